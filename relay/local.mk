# relay layer: sources, unit tests and fuzz targets of relay/.

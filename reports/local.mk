# reports layer: sources, unit tests and fuzz targets of reports/.

# wire layer: sources, unit tests and fuzz targets of wire/.

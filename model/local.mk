# model layer: sources, unit tests and fuzz targets of model/.

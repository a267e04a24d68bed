# probe layer: sources, unit tests and fuzz targets of probe/.

# analyzers layer: sources, unit tests and fuzz targets of analyzers/.

# tui layer: sources, unit tests and fuzz targets of tui/.

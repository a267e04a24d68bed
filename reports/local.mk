# reports layer: renderers.  List a file only once it compiles.

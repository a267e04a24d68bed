# relay layer: the relay engine.  List a file only once it compiles.

# analyzers layer: pure judgement.  List a file only once it compiles.

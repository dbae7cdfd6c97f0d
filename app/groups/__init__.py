"""Groups: the standing body that meets again and again (an occupation's general assembly).

A concept of its own, apart from `app.archive`: a group is written to (created, its working
groups kept by its admins, its assemblies numbered), while the archive only reads what
closed assemblies decided. An assembly may belong to one group; without one it stands alone.
"""

"""One function per chart, each returning a Plotly figure; grouped by what the charts show.

- :mod:`.profiles`: who the customers of each segment are (scatter, 3D, boxes, pair plot);
- :mod:`.projection`: the static stand-in for the 3D chart where WebGL is missing;
- :mod:`.diagnostics`: how many segments (elbow and silhouette);
- :mod:`.behaviour`: what each segment buys (bases with an order history);
- :mod:`.quality`: rows read, passed and rejected per source and rule;
- :mod:`.common`: the shared layout, axes and labels.
"""

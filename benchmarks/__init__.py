"""The benchmark harness: ``python -m benchmarks`` (see ``docs/benchmarks.md``).

kubeflow_informer measured side by side with a raw floor (aiohttp + orjson) and the Python peers
users would otherwise pick (``kubernetes_asyncio``, the official ``kubernetes`` client, ``kopf``),
in the same run against the same embedded API server. Modules: :mod:`~benchmarks.pods` (the
realistic pods), :mod:`~benchmarks.driver` (the server-side subprocess), :mod:`~benchmarks.consume`
and :mod:`~benchmarks.consumers` (one subprocess per consumer run), :mod:`~benchmarks.scenarios`
(what is measured), :mod:`~benchmarks.execute` and :mod:`~benchmarks.runner` (running it, bounded
in time), :mod:`~benchmarks.results`, :mod:`~benchmarks.report` and :mod:`~benchmarks.plots`
(turning runs into figures, ratios, tables, plots and the docs page).
"""

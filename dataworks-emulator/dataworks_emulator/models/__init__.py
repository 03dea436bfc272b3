"""The emulator's models: the in-memory DataWorks world that ``responses`` answers from.

``state`` holds it behind one lock (workflow and task instances, create and rerun operations, data-quality scans,
faults, calls, the emulator clock); ``records`` defines its records and status timelines, ``tasks`` the task
instances on the wire, ``trigger_nodes`` HTTP trigger nodes, ``dates`` the data-date and schedule arithmetic, and
``quality`` / ``quality_scans`` / ``quality_log`` data-quality scans, their runs and their logs.
"""

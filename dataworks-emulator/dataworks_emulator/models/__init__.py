"""The emulator's models: the in-memory DataWorks world that ``responses`` answers from.

``state`` holds it behind one lock (workflow and task instances, create and rerun operations, faults, calls, the
emulator clock); ``records`` defines its records and status timelines, ``tasks`` the task instances on the wire,
``trigger_nodes`` HTTP trigger nodes, and ``dates`` the data-date and schedule arithmetic.
"""

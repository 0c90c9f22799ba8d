"""Loads deploy/airflow with Airflow's own DagBag and prints what the Go test checks, as JSON:
import errors, the DAG's settings, the first scheduled run's data interval and the task's
command rendered for a first try and for a retry of that run."""

import json
import sys
from types import SimpleNamespace

from airflow.dag_processing.dagbag import DagBag
from airflow.timetables.base import TimeRestriction

bag = DagBag(sys.argv[1])
out = {"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": sorted(bag.dags)}
dag = bag.dags.get("metalake")
if dag is not None:
    task = dag.get_task("metalake_run")
    info = dag.timetable.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=dag.start_date, latest=None, catchup=True),
    )
    commands = {}
    for try_number in (1, 2):
        ctx = {"data_interval_start": info.data_interval.start, "ti": SimpleNamespace(try_number=try_number)}
        commands[str(try_number)] = task.render_template(task.bash_command, ctx)
    out.update(
        schedule=dag.timetable.summary,
        max_active_runs=dag.max_active_runs,
        catchup=dag.catchup,
        tasks=[t.task_id for t in dag.tasks],
        retries=task.retries,
        depends_on_past=task.depends_on_past,
        first_run_after=info.run_after.in_timezone("Asia/Bangkok").isoformat(),
        commands=commands,
    )
print(json.dumps(out))

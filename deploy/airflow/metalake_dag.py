"""Airflow DAG that runs metalake once a day: the plan's Airflow deployment, as one DAG.

metalake runs the whole date itself -- check_raw_files, bronze, silver, gold, monitor, summary
and notify, with its own retries, state, lock and --resume -- so Airflow only schedules,
records and retries the command. There is one DAG and no sub-DAGs (SPEC section 6, defect 10).

Settings (Airflow Variables, else environment variables of the same name):
  METALAKE_LAKE     the lake, e.g. s3://psi-lake/meta (required)
  METALAKE_BIN      the metalake executable (default: metalake on PATH)
  METALAKE_CONFIG   a metalake.yaml (optional)
  METALAKE_START    first run date to catch up from, YYYY-MM-DD (default 2025-07-01)

Dates: the run that fires at 02:00 Asia/Bangkok on day X processes run date X - 1 (Airflow 2's
``ds``, and metalake serve's default). The data-interval timetable gives that on Airflow 2 and
3 alike: the run date is the start of the interval, in Bangkok.
A retry resumes the date (``--resume``: only what did not succeed); the first try of a date
that already succeeded exits 0 without work (metalake skips it), so clearing a task is safe.
Exit code 3 (the lake is locked by another run) fails the try and Airflow retries later.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG, Variable

    def _variable(name: str) -> str | None:
        return Variable.get(name, default=None)

except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.models import Variable
    from airflow.operators.bash import BashOperator

    def _variable(name: str) -> str | None:
        return Variable.get(name, default_var=None)

from airflow.timetables.interval import CronDataIntervalTimetable

TIMEZONE = "Asia/Bangkok"
SCHEDULE = "0 2 * * *"


def _setting(name: str, default: str | None = None) -> str | None:
    # Parsing outside a scheduler (tests, `python metalake_dag.py`) has no metadata database:
    # settings then come from the environment only.
    value = _variable(name) if os.environ.get("METALAKE_DAG_NO_VARIABLES") != "1" else None
    return value or os.environ.get(name, default)


def metalake_command(binary: str, lake: str, config: str | None) -> str:
    """The templated command: run date = start of the data interval, in Bangkok."""
    parts = [binary, "run", "--lake", lake]
    if config:
        parts += ["--config", config]
    parts += [
        "--date",
        "{{ data_interval_start.in_timezone('%s').strftime('%%Y-%%m-%%d') }}" % TIMEZONE,
        "{{ '--resume' if ti.try_number > 1 else '' }}",
        "--quiet",
    ]
    return " ".join(parts)


LAKE = _setting("METALAKE_LAKE")
if not LAKE:
    raise ValueError("metalake DAG: set the Airflow Variable or environment variable METALAKE_LAKE (e.g. s3://psi-lake/meta)")
START = pendulum.parse(_setting("METALAKE_START", "2025-07-01"), tz=TIMEZONE)

with DAG(
    dag_id="metalake",
    description="Meta Kaggle medallion lakehouse: bronze, silver, gold for one run date",
    schedule=CronDataIntervalTimetable(SCHEDULE, timezone=TIMEZONE),
    start_date=START,
    catchup=True,  # missed dates run in date order
    max_active_runs=1,  # one run per lake at a time (metalake also locks the lake)
    default_args={
        "depends_on_past": True,  # silver and gold of D build on the previous date
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(hours=2),
    },
    tags=["metalake"],
) as dag:
    BashOperator(
        task_id="metalake_run",
        bash_command=metalake_command(_setting("METALAKE_BIN", "metalake"), LAKE, _setting("METALAKE_CONFIG")),
    )

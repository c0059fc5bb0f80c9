"""Background jobs: an RQ queue named "casework" when REDIS_URL is set, inline otherwise.

The embedded setting (no Redis) runs a job at once, in the caller's process, and hands
back its result; production queues it for `flask --app wsgi jobs worker`, which runs
each job inside the application context with a fresh database session. A job function
must therefore take plain arguments (ids, tokens, not ORM objects), commit its own work,
and be importable by the worker (a module-level function).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from casework.extensions import db

QUEUE_NAME = "casework"
# A large import may take minutes; a stuck job is stopped after this many seconds.
DEFAULT_TIMEOUT = 60 * 60


@dataclass
class JobHandle:
    """A queued job's id, or an inline job's id and result."""

    id: str
    inline: bool
    result: Any = None


def redis_connection(app: Flask | None = None) -> Redis | None:
    url = (app or current_app).config.get("REDIS_URL")
    return Redis.from_url(url) if url else None


def job_queue(app: Flask | None = None) -> Queue | None:
    """The "casework" queue, or None when jobs run inline."""
    connection = redis_connection(app)
    return Queue(QUEUE_NAME, connection=connection) if connection is not None else None


def enqueue(function: Callable[..., Any], *args: Any, timeout: int = DEFAULT_TIMEOUT,
            **kwargs: Any) -> JobHandle:
    """Queue the job on Redis, or run it now when REDIS_URL is unset."""
    queue = job_queue()
    if queue is None:
        return JobHandle(uuid.uuid4().hex, inline=True, result=function(*args, **kwargs))
    job = queue.enqueue(function, *args, job_timeout=timeout, **kwargs)
    return JobHandle(job.id, inline=False)


# What RQ says of a job that will never finish its work: it failed (raised, or its work
# horse was killed), was stopped or cancelled, or is gone from Redis altogether.
GIVEN_UP = frozenset({JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED})


def job_given_up(job_id: str, app: Flask | None = None) -> bool:
    """Whether the queued job will never finish: see GIVEN_UP. A job whose worker died
    with it (killed, the machine lost) counts once RQ has declared it abandoned: when the
    worker's heartbeat has lapsed, the started-jobs registry's cleanup moves it to failed."""
    connection = redis_connection(app)
    if connection is None:
        return False
    try:
        job = Job.fetch(job_id, connection=connection)
        if job.get_status(refresh=False) == JobStatus.STARTED:
            StartedJobRegistry(job.origin, connection=connection).cleanup()
        return job.get_status(refresh=True) in GIVEN_UP
    except NoSuchJobError:
        return True
    except RedisError:
        # Redis unreachable: nothing can be said, and the page shows the job as waiting.
        return False


class AppWorker(Worker):
    """An RQ worker that runs each job inside the Flask application context."""

    def __init__(self, *args: Any, app: Flask, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.app = app

    def perform_job(self, job: Job, queue: Queue) -> bool:
        with self.app.app_context():
            # In the forked work horse, the pooled connections belong to the parent.
            db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()


jobs_cli = AppGroup("jobs", help="Background jobs (RQ on Redis).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run jobs from the "casework" queue (needs REDIS_URL)."""
    app = current_app._get_current_object()
    connection = redis_connection(app)
    if connection is None:
        raise click.ClickException("REDIS_URL is not set: jobs run inline, no worker is needed.")
    worker = AppWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection, app=app)
    worker.work(burst=burst)

"""bench/run_all.py reads bench_jobs' lines: jobs/s per worker count, and the database
statements per job when the line has them (older lines without them still parse)."""

from bench.run_all import parse_jobs


def test_jobs_per_second_and_queries_per_job_are_read():
    output = (
        "broker: 127.0.0.1:5672//  database: 127.0.0.1:5432/tricircle_bench_jobs_1\n"
        "1 worker(s): 300/300 jobs in 3.50s = 85.7 jobs/s; requests 3.40s; workers busy 3.45s"
        " = 86.9 jobs/s; 3.00 queries/job in workers, 3.00 per request\n"
        "2 worker(s): 299/300 jobs in 2.00s = 149.5 jobs/s\n"
    )
    assert parse_jobs(output) == [
        ("jobs/s, no-op jobs, 1 worker(s) (300/300 done)", "85.7", "", ""),
        ("jobs/s, no-op jobs, 2 worker(s) (299/300 done)", "149.5", "", ""),
        ("DB queries per job, 1 worker(s): in workers (per request)", "3.00 (3.00)", "", ""),
    ]

from importlib import import_module

from django.apps import AppConfig
from django.conf import settings
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Jobs"

    def ready(self) -> None:
        # Job types register themselves on import: every app's job_types.py, plus the modules
        # the settings name (the tests' and the benchmark's no-op types live outside the apps).
        autodiscover_modules("job_types")
        for module in settings.JOBS_TYPE_MODULES:
            import_module(module)
        # Registers the Celery tasks in every process (jobs.services.dispatch finds jobs.run by
        # name). Imported here, not at the top: jobs.tasks imports the models, which Django
        # allows only once the app registry is ready.
        from jobs import tasks  # noqa: F401

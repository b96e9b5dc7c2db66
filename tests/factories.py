import factory

from pods.models import Pod
from routing.models import ResourceRouting, ResourceType


class PodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pod

    region_name = factory.Sequence(lambda n: f"Pod{n + 1}")
    az_name = factory.Sequence(lambda n: f"az{n + 1}")


class RoutingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceRouting

    top_id = factory.Faker("uuid4")
    bottom_id = factory.LazyAttribute(lambda routing: routing.top_id)
    pod = factory.SubFactory(PodFactory)
    project_id = "demo-project"
    resource_type = ResourceType.SERVER

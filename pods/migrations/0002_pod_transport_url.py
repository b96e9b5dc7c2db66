from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pods", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="pod",
            name="transport_url",
            field=models.CharField(blank=True, default="", max_length=1024),
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("players", "0004_presence_auth_relationships")]

    operations = [
        migrations.CreateModel(
            name="LiveGame",
            fields=[],
            options={
                "verbose_name": "live view of a game",
                "verbose_name_plural": "live view (online players, connections)",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("players.game",),
        ),
        migrations.CreateModel(
            name="ServerProcess",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=255, unique=True)),
                ("with_redis", models.BooleanField()),
                ("started_at", models.DateTimeField()),
                ("seen_at", models.DateTimeField()),
            ],
        ),
    ]

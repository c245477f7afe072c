"""Project templates become private to their creator unless published.

Until now every signed-in user could read every template, and a template saved from a project
carries that project's objectives, WBS and deliverables. The built-in templates are published;
every other existing template (saved from a project, or added in the admin) starts private, for
an administrator to publish in the admin where it is meant for everyone.
"""

from django.db import migrations, models

from projects.template_library import BUILTIN_TEMPLATES


def publish_builtin_templates(apps, schema_editor):
    ProjectTemplate = apps.get_model("projects", "ProjectTemplate")
    ProjectTemplate.objects.filter(
        name__in=[spec["name"] for spec in BUILTIN_TEMPLATES], created_by__isnull=True
    ).update(is_published=True)


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_unsent_tasks")]

    operations = [
        migrations.AddField(
            model_name="projecttemplate",
            name="is_published",
            field=models.BooleanField(
                default=False,
                help_text="Offered to every user. Unpublished, only its creator sees it.",
                verbose_name="published",
            ),
        ),
        migrations.RunPython(publish_builtin_templates, migrations.RunPython.noop),
    ]

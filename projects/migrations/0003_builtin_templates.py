"""The four built-in project templates, one per project type (editable afterwards in the admin).

The content lives in ``projects/template_library.py`` so that ``seed_demo`` can restore it on a
database that was emptied (tests flush between transactional cases).
"""

from django.db import migrations

from projects.template_library import BUILTIN_TEMPLATES, install_builtin_templates


def add_templates(apps, schema_editor):
    install_builtin_templates(apps.get_model("projects", "ProjectTemplate"))


def remove_templates(apps, schema_editor):
    ProjectTemplate = apps.get_model("projects", "ProjectTemplate")
    ProjectTemplate.objects.filter(name__in=[spec["name"] for spec in BUILTIN_TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_scope")]

    operations = [migrations.RunPython(add_templates, remove_templates)]

# Issue 15: a legal supporter is someone's supporter (the member(s) he must support), and who
# assessed a member as unable to work.  The single "supported member" becomes a list; an existing
# value is carried over.

from django.db import migrations, models


def copy_supported_member(apps, schema_editor):
    Supporter = apps.get_model("registry", "Supporter")
    Through = Supporter.supported_members.through
    rows = [
        Through(supporter_id=pk, member_id=member_id)
        for pk, member_id in Supporter.objects.exclude(supported_member=None).values_list("pk", "supported_member_id")
    ]
    Through.objects.bulk_create(rows, batch_size=5000)


def copy_back(apps, schema_editor):
    Supporter = apps.get_model("registry", "Supporter")
    Through = Supporter.supported_members.through
    for supporter_id, member_id in Through.objects.order_by("supporter_id", "member_id").values_list("supporter_id", "member_id"):
        Supporter.objects.filter(pk=supporter_id, supported_member=None).update(supported_member_id=member_id)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="work_capacity_assessed_by",
            field=models.CharField(blank=True, choices=[("labour_appraisal", "劳动能力鉴定委员会"), ("hospital", "二级以上医疗机构"), ("civil_affairs", "县级民政部门")], max_length=20, verbose_name="no capacity to work assessed by"),
        ),
        migrations.AddField(
            model_name="supporter",
            name="supported_members",
            field=models.ManyToManyField(blank=True, related_name="legal_supporters", to="registry.member", verbose_name="supported members"),
        ),
        migrations.RunPython(copy_supported_member, copy_back),
        migrations.RemoveField(
            model_name="supporter",
            name="supported_member",
        ),
    ]

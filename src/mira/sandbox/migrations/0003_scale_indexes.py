"""Indexes that keep filtered listings fast with 100,000 matters.

Listings page by id (the primary key), but `status=` and `updated_since=` filters, and the total
count that comes with each page, would scan the whole matter table without these.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("sandbox", "0002_bills_billing_webhooks"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="matter",
            index=models.Index(fields=["status", "id"], name="sandbox_mat_status_id_idx"),
        ),
        migrations.AddIndex(
            model_name="matter",
            index=models.Index(fields=["updated_at"], name="sandbox_mat_updated_idx"),
        ),
        migrations.AddIndex(
            model_name="matter",
            index=models.Index(fields=["created_at"], name="sandbox_mat_created_idx"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["updated_at"], name="sandbox_con_updated_idx"),
        ),
    ]

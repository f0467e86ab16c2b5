"""Identity documents and guarantors. Included by contracts/urls.py inside the "contracts"
namespace, so names carry a document_/guarantor_ prefix and are reversed as contracts:<name>."""

from django.urls import path

from .views import documents

urlpatterns = [
    path("me/documents/", documents.document_list, name="document_list"),
    path("me/documents/upload/", documents.document_upload, name="document_upload"),
    path("me/documents/guarantor/", documents.guarantor_set, name="guarantor_set"),
    path("documents/<int:pk>/file/", documents.document_file, name="document_file"),
    path("staff/documents/", documents.document_queue, name="document_queue"),
    path("staff/documents/<int:pk>/verify/", documents.document_verify, name="document_verify"),
    path("staff/documents/<int:pk>/reject/", documents.document_reject, name="document_reject"),
    path(
        "staff/customers/<int:customer_id>/documents/",
        documents.document_customer,
        name="document_customer",
    ),
    path(
        "staff/guarantors/<int:pk>/confirm-household/",
        documents.guarantor_confirm_household,
        name="guarantor_confirm_household",
    ),
]

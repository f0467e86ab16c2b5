from django.urls import include, path

from .views import contracts as contract_views
from .views import customer, staff

app_name = "contracts"

urlpatterns = [
    path("me/", customer.profile, name="profile"),
    path("me/addresses/", customer.address_add, name="address_add"),
    path("reservations/", customer.reservation_list, name="reservation_list"),
    path("reservations/new/", customer.reservation_new, name="reservation_new"),
    path("reservations/quote/", customer.reservation_quote, name="reservation_quote"),
    path("reservations/<no:number>/", customer.reservation_detail, name="reservation_detail"),
    path("reservations/<no:number>/inspection/", customer.inspection_book, name="inspection_book"),
    path(
        "reservations/<no:number>/inspection/cancel/",
        customer.inspection_cancel,
        name="inspection_cancel",
    ),
    path(
        "reservations/<no:number>/cancel/",
        customer.reservation_cancel,
        name="reservation_cancel",
    ),
    path("staff/reservations/", staff.board, name="staff_board"),
    path("staff/bookings/", staff.phone_booking, name="staff_booking"),
    path("staff/bookings/<int:customer_id>/", staff.booking_for, name="staff_booking_for"),
    path(
        "staff/bookings/<int:customer_id>/quote/", staff.booking_quote, name="staff_booking_quote"
    ),
    path("staff/reservations/<no:number>/", staff.reservation, name="staff_reservation"),
    path(
        "staff/reservations/<no:number>/inspection/",
        staff.inspection_book,
        name="staff_inspection_book",
    ),
    path(
        "staff/reservations/<no:number>/inspection/confirm/",
        staff.inspection_confirm,
        name="staff_inspection_confirm",
    ),
    path(
        "staff/reservations/<no:number>/cancel/",
        staff.reservation_cancel,
        name="staff_reservation_cancel",
    ),
]

urlpatterns += [
    path("", include("contracts.urls_documents")),
    path("contracts/", contract_views.my_contracts, name="contract_list"),
    path("contracts/<no:number>/", contract_views.my_contract, name="contract_detail"),
    path("contracts/<no:number>/pdf/", contract_views.my_contract_pdf, name="contract_pdf"),
    path("staff/contracts/", contract_views.desk_list, name="desk_list"),
    path("staff/contracts/<no:number>/", contract_views.desk, name="desk"),
    path("staff/contracts/<no:number>/pdf/", contract_views.desk_pdf, name="desk_pdf"),
    path("staff/contracts/<no:number>/sign/", contract_views.desk_sign, name="desk_sign"),
    path("staff/contracts/<no:number>/terms/", contract_views.desk_term, name="desk_term"),
    path("staff/contracts/<no:number>/deposit/", contract_views.desk_deposit, name="desk_deposit"),
    path("staff/contracts/<no:number>/scan/", contract_views.desk_scan, name="desk_scan"),
    path(
        "staff/contracts/<no:number>/return/<int:unit_id>/",
        contract_views.desk_return,
        name="desk_return",
    ),
    path("staff/contracts/<no:number>/payment/", contract_views.desk_payment, name="desk_payment"),
    path("staff/contracts/<no:number>/extend/", contract_views.desk_extend, name="desk_extend"),
    path("staff/contracts/<no:number>/close/", contract_views.desk_close, name="desk_close"),
    path(
        "staff/contracts/<no:number>/distance/",
        contract_views.desk_distance,
        name="desk_distance",
    ),
    path(
        "staff/contracts/<no:number>/refund/",
        contract_views.desk_refund,
        name="desk_refund",
    ),
    path(
        "staff/contracts/<no:number>/write-off/",
        contract_views.desk_write_off,
        name="desk_write_off",
    ),
    path("staff/contracts/<no:number>/cancel/", contract_views.desk_cancel, name="desk_cancel"),
    path(
        "staff/contracts/<no:number>/statement.csv",
        contract_views.desk_statement_csv,
        name="desk_statement_csv",
    ),
]

from django.urls import path

from .views import customer, staff

app_name = "contracts"

urlpatterns = [
    path("me/", customer.profile, name="profile"),
    path("me/addresses/", customer.address_add, name="address_add"),
    path("reservations/", customer.reservation_list, name="reservation_list"),
    path("reservations/new/", customer.reservation_new, name="reservation_new"),
    path("reservations/quote/", customer.reservation_quote, name="reservation_quote"),
    path("reservations/<str:number>/", customer.reservation_detail, name="reservation_detail"),
    path("reservations/<str:number>/inspection/", customer.inspection_book, name="inspection_book"),
    path(
        "reservations/<str:number>/inspection/cancel/",
        customer.inspection_cancel,
        name="inspection_cancel",
    ),
    path(
        "reservations/<str:number>/cancel/", customer.reservation_cancel, name="reservation_cancel"
    ),
    path("staff/reservations/", staff.board, name="staff_board"),
    path("staff/bookings/", staff.phone_booking, name="staff_booking"),
    path("staff/bookings/<int:customer_id>/", staff.booking_for, name="staff_booking_for"),
    path(
        "staff/bookings/<int:customer_id>/quote/", staff.booking_quote, name="staff_booking_quote"
    ),
    path("staff/reservations/<str:number>/", staff.reservation, name="staff_reservation"),
    path(
        "staff/reservations/<str:number>/inspection/",
        staff.inspection_book,
        name="staff_inspection_book",
    ),
    path(
        "staff/reservations/<str:number>/inspection/confirm/",
        staff.inspection_confirm,
        name="staff_inspection_confirm",
    ),
    path(
        "staff/reservations/<str:number>/cancel/",
        staff.reservation_cancel,
        name="staff_reservation_cancel",
    ),
]

from django.urls import path

from .views import customer, staff, technician

app_name = "service_tickets"

urlpatterns = [
    # Customers
    path("", customer.home, name="customer_home"),
    path("contracts/<no:contract_number>/call/", customer.call, name="customer_call"),
    path("tickets/<no:number>/", customer.ticket_detail, name="customer_ticket"),
    path("tickets/<no:number>/cancel/", customer.cancel, name="customer_cancel"),
    # Technicians and drivers (phone)
    path("tech/", technician.ticket_list, name="tech_list"),
    path("tech/<no:number>/", technician.ticket_detail, name="tech_ticket"),
    path("tech/<no:number>/en-route/", technician.en_route, name="tech_en_route"),
    path("tech/<no:number>/arrive/", technician.arrive, name="tech_arrive"),
    path("tech/<no:number>/resolve/", technician.resolve, name="tech_resolve"),
    path("tech/<no:number>/close/", technician.close, name="tech_close"),
    # Staff
    path("staff/", staff.board, name="staff_board"),
    path("staff/new/", staff.open_ticket, name="staff_open"),
    path("staff/report/", staff.report, name="staff_report"),
    path("staff/tickets/<no:number>/", staff.ticket_detail, name="staff_ticket"),
    path("staff/tickets/<no:number>/assign/", staff.assign, name="staff_assign"),
    path("staff/tickets/<no:number>/deadline/", staff.set_deadline, name="staff_deadline"),
    path("staff/tickets/<no:number>/cancel/", staff.cancel, name="staff_cancel"),
    path("staff/tickets/<no:number>/waive/", staff.waive, name="staff_waive"),
    path("staff/tickets/<no:number>/repaired/", staff.repaired, name="staff_repaired"),
    path("staff/tickets/<no:number>/collected/", staff.collected, name="staff_collected"),
]

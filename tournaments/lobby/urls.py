from django.urls import path

from . import signup_views, views

app_name = "lobby"
urlpatterns = [
    path("", signup_views.index, name="index"),
    path("join/<str:token>/", views.join, name="join"),
    path("<slug:slug>/sign-up/", signup_views.sign_up, name="signup"),
    path("<slug:slug>/sign-up/done/", signup_views.sign_up_done, name="signup_done"),
    path("<slug:slug>/", views.page, name="page"),
    path("<slug:slug>/join/<str:token>/", views.join, name="join_for"),
    path("<slug:slug>/fragments/<slug:name>/", views.fragment, name="fragment"),
    path("<slug:slug>/bracket/", views.bracket_page, name="bracket"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/check-in/", views.check_in, name="check_in"),
    path("<slug:slug>/matches/<int:match_id>/report/", views.report, name="report"),
    path("<slug:slug>/matches/<int:match_id>/confirm/", views.confirm, name="confirm"),
    path("<slug:slug>/matches/<int:match_id>/dispute/", views.dispute, name="dispute"),
    path("<slug:slug>/matches/<int:match_id>/forfeit/", views.forfeit, name="forfeit"),
    path("<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("<slug:slug>/payment/", views.pay, name="pay"),
    path("<slug:slug>/notifications/read/", views.read_notifications, name="read_notifications"),
]

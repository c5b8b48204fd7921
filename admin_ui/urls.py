from django.contrib import admin
from django.urls import path

from .views import urlpatterns_spec

app_name = "admin_ui"
urlpatterns = [path(route, admin.site.admin_view(view), name=name) for route, view, name in urlpatterns_spec]

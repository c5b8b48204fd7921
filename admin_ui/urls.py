from django.contrib import admin
from django.urls import path

from . import bracket_views, import_views, jobs_views, season_views, views

app_name = "admin_ui"
urlpatterns = [path(route, admin.site.admin_view(view), name=name)
               for route, view, name in views.urlpatterns_spec + bracket_views.urlpatterns_spec + import_views.urlpatterns_spec
               + jobs_views.urlpatterns_spec + season_views.urlpatterns_spec]

"""The project's ASGI application plus static files from the apps (what ChannelsLiveServerTestCase
serves), for the web processes started by tests: no collectstatic step needed."""
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from config.asgi import application as project_application

application = ASGIStaticFilesHandler(project_application)

from django.urls import path

from quizzes import views

urlpatterns = [
    path("timeline/<slug:slug>/", views.timeline, name="timeline"),
]

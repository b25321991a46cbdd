from django.urls import path

from sanxin.privacy.views import corrections, mydata

app_name = "mydata"
urlpatterns = [
    path("", mydata.my_data, name="index"),
    path("privacy/", mydata.privacy, name="privacy"),
    path("<int:pk>/", mydata.my_data_household, name="household"),
    path("<int:pk>/copy.json", mydata.my_data_json, name="json"),
    path("<int:pk>/copy.pdf", mydata.my_data_pdf, name="pdf"),
    path("<int:pk>/correction/", corrections.correction_new, name="correction_new"),
    path("<int:pk>/consent/", corrections.consent, name="consent"),
    path("corrections/", corrections.correction_list, name="corrections"),
    path("corrections/<int:pk>/", corrections.correction_answer, name="correction_answer"),
]

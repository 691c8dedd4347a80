"""painboard-fhir: the record as a FHIR R4 Bundle, and such a Bundle back in.

Export: a Patient (or a reference given by ``-O patient=Patient/123``), pain scores as
Observations (LOINC 72514-3), breakthrough episodes and daily reviews as Observations with
components, the plan as MedicationRequest / ServiceRequest, doses taken as
MedicationStatement and radiation or procedures done as Procedure. See README.md.
Import: what the exporter writes comes back whole; other systems' 72514-3 Observations
become pain entries.
"""

from __future__ import annotations

from painboard.hookspecs import hookimpl
from painboard.plugins import Exporter, Importer, Setting

from painboard_fhir import importer
from painboard_fhir.export import write_bundle

__version__ = "0.2.0"


@hookimpl
def register_exporters(register):
    register(Exporter(name="fhir", extension=".fhir.json", label="FHIR R4 Bundle",
                      write=write_bundle,
                      settings=(Setting("bundle", "collection|transaction", "the Bundle's type"),
                                Setting("patient", "Patient/ID", "refer to this Patient instead of writing one"),
                                Setting("name", "TEXT", "the patient's name on the Patient written")),
                      description="Patient, pain scores (LOINC 72514-3), episodes, reviews, plan, doses "
                                  "and procedures as a FHIR R4 Bundle."))


@hookimpl
def register_importers(register):
    register(Importer(name="fhir", label="FHIR R4 Bundle", extensions=(".json",),
                      sniff=importer.sniff, read=importer.read,
                      description="A FHIR R4 Bundle: what painboard's fhir export writes, and "
                                  "72514-3 pain Observations from other systems."))

"""Running a CRM project: the report that shows retention, KPIs, maturity, budget and ROI.

Course chapter 7. A CRM project is first an organisational change (technology brings a
quarter of the improvement, people's skills half of it), and it starts from what the
company measures. The usual commercial report counts the customers won but hides renewals,
departures and the revenue of existing customers; this package computes the report that
shows them, turns objectives into ratios with targets (success factor 1), scores the 15
success factors into a maturity profile, frames the bathtub as a budget decision and
prices a CRM programme.

One module per section of chapter 7 (every name is also importable from
``crmkit.project``):

===============================================  ============================================
Section of the chapter                           Module and functions
===============================================  ============================================
What the usual report hides                      :mod:`~crmkit.project.reporting`:
                                                 :func:`reporting_split`
Tap or drain: a budget decision                  :mod:`~crmkit.project.budget`:
                                                 :func:`cost_per_saved_customer`,
                                                 :func:`budget_scenarios`,
                                                 :func:`budget_summary`,
                                                 :func:`break_even_cost_per_saved`
The eleven-step approach; change management;     :mod:`~crmkit.project.plan`:
CRM applications                                 :func:`project_table`,
                                                 :func:`load_project_plan` (the content of
                                                 ``crmkit/data/project.yaml``)
The insurer's four customer processes            :mod:`~crmkit.project.processes`:
                                                 :func:`process_measures`
Why CRM projects fail, and the success factors   :mod:`~crmkit.project.maturity`:
                                                 :func:`maturity_profile`
A KPI dashboard: objectives as ratios            :mod:`~crmkit.project.kpis`:
                                                 :func:`kpi_measures`, :func:`kpi_targets`,
                                                 :func:`kpi_dashboard`
The return on investment of a CRM programme      :mod:`~crmkit.project.business_case`:
                                                 :func:`programme_roi`
===============================================  ============================================

The campaign figures of this chapter (the lift of the year's campaigns, the customers a
retention campaign saved and what its contacts cost) come from :mod:`crmkit.campaigns`'
functions, not from copies of them.

Examples
--------
>>> from crmkit import project
>>> len(project.project_table("eleven_steps"))
11
"""

from crmkit.project.budget import (
    SavingCost,
    break_even_cost_per_saved,
    budget_scenarios,
    budget_summary,
    cost_per_saved_customer,
)
from crmkit.project.business_case import ProgrammeROI, programme_roi
from crmkit.project.kpis import kpi_dashboard, kpi_measures, kpi_targets
from crmkit.project.maturity import MaturityProfile, maturity_profile
from crmkit.project.plan import PARTS, PROJECT_PATH, load_project_plan, project_table
from crmkit.project.processes import PROCESS_OF, process_measures
from crmkit.project.reporting import REVENUE_KINDS, reporting_split

# the public names, in the order of the chapter (the package's API)
__all__ = [
    "PROJECT_PATH",
    "PARTS",
    "REVENUE_KINDS",
    "project_table",
    "load_project_plan",
    "reporting_split",
    "kpi_measures",
    "kpi_targets",
    "kpi_dashboard",
    "MaturityProfile",
    "maturity_profile",
    "SavingCost",
    "cost_per_saved_customer",
    "budget_scenarios",
    "budget_summary",
    "break_even_cost_per_saved",
    "ProgrammeROI",
    "programme_roi",
    "PROCESS_OF",
    "process_measures",
]

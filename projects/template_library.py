"""The built-in project templates, one per project type: a starting WBS, objectives,
deliverables with acceptance criteria and requirement categories. Installed by migration 0003
and re-installed by ``seed_demo`` when missing; editable afterwards in the admin.
"""

from __future__ import annotations


def wp(name, *children, description=""):
    node = {"name": name, "children": list(children)}
    if description:
        node["description"] = description
    return node


BUILTIN_TEMPLATES = [
    {
        "name": "Software release",
        "type": "software",
        "methodology": "scrum",
        "description": "A product increment or new application delivered in sprints: discovery, "
        "build, hardening and release with a hypercare period.",
        "content": {
            "objectives": [
                {
                    "description": "Release the agreed scope to production by the target date",
                    "measure": "Release date vs target",
                    "unit": "days",
                },
                {
                    "description": "Keep escaped defects low in the first month after release",
                    "measure": "Severity 1–2 defects reported in production",
                    "unit": "defects",
                },
                {
                    "description": "Adoption by the intended users",
                    "measure": "Weekly active users 8 weeks after release",
                    "unit": "users",
                },
            ],
            "work_packages": [
                wp(
                    "Project management",
                    wp("Initiation and charter"),
                    wp("Sprint ceremonies and reporting"),
                    wp("Stakeholder communication"),
                ),
                wp(
                    "Discovery",
                    wp("User research and journeys"),
                    wp("Backlog and acceptance criteria"),
                    wp("Architecture and technical spikes"),
                ),
                wp(
                    "Build",
                    wp("Front end"),
                    wp("Back end and APIs"),
                    wp("Data and integrations"),
                    wp("CI/CD pipeline and environments"),
                ),
                wp(
                    "Quality",
                    wp("Test automation"),
                    wp("Performance and security testing"),
                    wp("User acceptance testing"),
                ),
                wp(
                    "Release",
                    wp("Release readiness and go/no-go"),
                    wp("Deployment and rollback plan"),
                    wp("Hypercare"),
                ),
            ],
            "deliverables": [
                {
                    "name": "Prioritised product backlog",
                    "description": "Epics and stories for the release, estimated and ordered.",
                    "criteria": [
                        "Every story has acceptance criteria",
                        "Product owner has ordered the backlog",
                        "Stories for the first two sprints are estimated",
                    ],
                },
                {
                    "name": "Release candidate",
                    "description": "The build that goes to production.",
                    "criteria": [
                        "All must-have stories done",
                        "No open severity 1–2 defects",
                        "Automated regression suite green",
                    ],
                },
                {
                    "name": "Operations runbook",
                    "description": "How to run, monitor and roll back the release.",
                    "criteria": ["Reviewed by the service desk", "Rollback rehearsed"],
                },
            ],
            "requirement_categories": [
                "Functional",
                "Usability",
                "Performance",
                "Security",
                "Accessibility",
                "Integration",
            ],
        },
    },
    {
        "name": "Infrastructure migration",
        "type": "infrastructure",
        "methodology": "waterfall",
        "description": "Moving workloads between data centres or to the cloud in planned waves, "
        "then decommissioning what is left behind.",
        "content": {
            "objectives": [
                {
                    "description": "Migrate every in-scope workload before the exit date",
                    "measure": "Workloads migrated",
                    "unit": "%",
                },
                {
                    "description": "Limit business disruption during cut-overs",
                    "measure": "Unplanned downtime during migration windows",
                    "unit": "hours",
                },
                {
                    "description": "Reduce the yearly run cost of the estate",
                    "measure": "Annual hosting cost",
                    "unit": "EUR",
                },
            ],
            "work_packages": [
                wp(
                    "Project management",
                    wp("Planning and governance"),
                    wp("Vendor and contract management"),
                ),
                wp(
                    "Assessment",
                    wp("Discovery and inventory"),
                    wp("Dependency mapping"),
                    wp("Migration strategy per workload"),
                ),
                wp(
                    "Foundation",
                    wp("Landing zone"),
                    wp("Network connectivity"),
                    wp("Identity and access"),
                    wp("Monitoring and backup"),
                ),
                wp(
                    "Migration waves",
                    wp("Wave 1: pilot workloads"),
                    wp("Wave 2: business applications"),
                    wp("Wave 3: critical systems"),
                ),
                wp(
                    "Decommissioning",
                    wp("Data archiving"),
                    wp("Hardware removal and disposal"),
                    wp("Contract exit"),
                ),
            ],
            "deliverables": [
                {
                    "name": "Migration plan",
                    "description": "Workloads, waves, cut-over windows and rollback per wave.",
                    "criteria": [
                        "Every workload has an owner and a wave",
                        "Rollback defined for each wave",
                        "Change advisory board has reviewed the plan",
                    ],
                },
                {
                    "name": "Production landing zone",
                    "description": "Accounts, network, identity, logging and guardrails.",
                    "criteria": [
                        "Security baseline passes",
                        "Connectivity to on-premises tested",
                        "Backups restore successfully",
                    ],
                },
                {
                    "name": "Decommissioning certificate",
                    "description": "Evidence that old hardware is wiped and removed.",
                    "criteria": [
                        "Data destruction certificates received",
                        "Asset register updated",
                    ],
                },
            ],
            "requirement_categories": [
                "Availability",
                "Performance",
                "Security",
                "Compliance",
                "Backup and recovery",
                "Operations",
            ],
        },
    },
    {
        "name": "Cybersecurity programme",
        "type": "cybersecurity",
        "methodology": "hybrid",
        "description": "A security control roll-out or certification effort: assess gaps, "
        "implement controls, gather evidence, pass the audit.",
        "content": {
            "objectives": [
                {
                    "description": "Close the gaps found in the readiness assessment",
                    "measure": "Gaps remediated",
                    "unit": "%",
                },
                {
                    "description": "Pass the external audit without exceptions",
                    "measure": "Audit exceptions",
                    "unit": "exceptions",
                },
                {
                    "description": "Enforce multi-factor authentication for every account",
                    "measure": "Accounts with MFA enforced",
                    "unit": "%",
                },
            ],
            "work_packages": [
                wp(
                    "Programme management",
                    wp("Governance and steering"),
                    wp("Risk and control owners"),
                ),
                wp(
                    "Assessment",
                    wp("Control framework selection"),
                    wp("Gap assessment"),
                    wp("Remediation roadmap"),
                ),
                wp(
                    "Control implementation",
                    wp("Identity and MFA"),
                    wp("Logging and monitoring"),
                    wp("Vulnerability management"),
                    wp("Policies and procedures"),
                ),
                wp("People", wp("Security awareness training"), wp("Phishing simulations")),
                wp(
                    "Audit",
                    wp("Evidence collection"),
                    wp("Auditor fieldwork support"),
                    wp("Findings remediation"),
                ),
            ],
            "deliverables": [
                {
                    "name": "Gap assessment report",
                    "description": "Current controls against the framework, with ratings.",
                    "criteria": [
                        "Every control rated",
                        "Owners agreed for each gap",
                        "Reviewed by the CISO",
                    ],
                },
                {
                    "name": "Policy set",
                    "description": "Approved information security policies.",
                    "criteria": ["Approved by management", "Published to all staff"],
                },
                {
                    "name": "Audit evidence pack",
                    "description": "Evidence for each control over the audit window.",
                    "criteria": [
                        "Evidence for every in-scope control",
                        "Sampled evidence reviewed internally",
                    ],
                },
            ],
            "requirement_categories": [
                "Access control",
                "Logging",
                "Data protection",
                "Incident response",
                "Compliance",
                "Training",
            ],
        },
    },
    {
        "name": "Digital transformation",
        "type": "digital_transformation",
        "methodology": "prince2",
        "description": "A business platform replacement or process change (e.g. ERP, CRM): "
        "design, build, data migration, training and phased go-live.",
        "content": {
            "objectives": [
                {
                    "description": "Go live in every business unit in scope",
                    "measure": "Business units live",
                    "unit": "units",
                },
                {
                    "description": "Shorten the financial month-end close",
                    "measure": "Working days to close the month",
                    "unit": "days",
                },
                {
                    "description": "Retire the legacy systems",
                    "measure": "Legacy systems switched off",
                    "unit": "systems",
                },
            ],
            "work_packages": [
                wp(
                    "Programme management",
                    wp("Business case and benefits"),
                    wp("Stage boundaries and reporting"),
                ),
                wp(
                    "Design",
                    wp("Current process mapping"),
                    wp("Future process design"),
                    wp("Solution design and fit-gap"),
                ),
                wp("Build", wp("Configuration"), wp("Integrations"), wp("Reports and analytics")),
                wp(
                    "Data migration",
                    wp("Data cleansing"),
                    wp("Migration rehearsals"),
                    wp("Final load"),
                ),
                wp(
                    "Change and training",
                    wp("Change impact assessment"),
                    wp("Training materials"),
                    wp("Super-user network"),
                ),
                wp("Deployment", wp("Go-live readiness"), wp("Cut-over"), wp("Early-life support")),
            ],
            "deliverables": [
                {
                    "name": "Solution design",
                    "description": "Processes, configuration decisions and gaps with resolutions.",
                    "criteria": ["Signed off by process owners", "Every gap has a resolution"],
                },
                {
                    "name": "Migrated master data",
                    "description": "Cleansed and reconciled master and opening balances.",
                    "criteria": ["Reconciliation within tolerance", "Business owners signed off"],
                },
                {
                    "name": "Trained users",
                    "description": "End users trained before their go-live.",
                    "criteria": ["95% of users completed training", "Super-users in every team"],
                },
            ],
            "requirement_categories": [
                "Business process",
                "Reporting",
                "Integration",
                "Data",
                "Security and roles",
                "Regulatory",
            ],
        },
    },
]


def install_builtin_templates(project_template_model=None) -> int:
    """Create the built-in templates that are missing (edited ones are left as they are);
    returns how many were created. Takes the model so that migrations can pass theirs."""
    if project_template_model is None:
        from projects.models import ProjectTemplate as project_template_model
    # Built-in templates are published for everyone; a migration older than the field passes a
    # model without it (the migration that added it publishes them).
    fields = {field.name for field in project_template_model._meta.get_fields()}
    published = {"is_published": True} if "is_published" in fields else {}
    created = 0
    for spec in BUILTIN_TEMPLATES:
        _, new = project_template_model.objects.get_or_create(
            name=spec["name"],
            defaults={**{k: v for k, v in spec.items() if k != "name"}, **published},
        )
        created += new
    return created

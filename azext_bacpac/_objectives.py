"""Which service objectives (SLOs) each Azure SQL Database edition offers, for checking
`--edition` / `--service-objective` when Azure Resource Manager's capabilities list cannot be asked
(no -g, not signed in, a local server). With -g and a signed-in az, _arm.py asks the region instead.

The names are Microsoft's, as the documentation lists them (and `az sql db list-editions` prints them):
  DTU model (Basic, Standard, Premium):
    https://learn.microsoft.com/azure/azure-sql/database/resource-limits-dtu-single-databases
  vCore model (GP_*, BC_*, HS_*; "The following table covers these SLOs: ..."):
    https://learn.microsoft.com/azure/azure-sql/database/resource-limits-vcore-single-databases
  DataWarehouse (dedicated SQL pool, DW100c ... DW30000c):
    https://learn.microsoft.com/azure/synapse-analytics/sql-data-warehouse/memory-concurrency-limits
  Free, Stretch (DS100 ... DS2000): the capabilities list (`az sql db list-editions -l <region>`).
Retired hardware (Gen4) and retired tiers (PremiumRS) are not offered any more, so they are refused.
"""

import difflib
import re

_DTU = {
    'Basic': ['Basic'],
    'Standard': ['S0', 'S1', 'S2', 'S3', 'S4', 'S6', 'S7', 'S9', 'S12'],
    'Premium': ['P1', 'P2', 'P4', 'P6', 'P11', 'P15'],
    'Free': ['Free'],
    'DataWarehouse': ['DW{}c'.format(n) for n in (100, 200, 300, 400, 500, 1000, 1500, 2000, 2500, 3000, 5000,
                                                  6000, 7500, 10000, 15000, 30000)],
    'Stretch': ['DS{}'.format(n) for n in (100, 200, 300, 400, 500, 600, 1000, 1200, 1500, 2000)],
    'PremiumRS': [],
}

# vCores offered per compute family, from the tables of the vCore resource-limits page.
_STANDARD_SERIES = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 80, 128)
_DC_SERIES = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 32, 40)
_VCORE_FAMILIES = {
    'GeneralPurpose': {
        'GP_Gen5': _STANDARD_SERIES,
        'GP_S_Gen5': (1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 80),      # serverless
        'GP_Fsv2': (8, 10, 12, 14, 16, 18, 20, 24, 32, 36, 72),
        'GP_DC': _DC_SERIES,
    },
    'BusinessCritical': {
        'BC_Gen5': _STANDARD_SERIES,
        'BC_M': (8, 10, 12, 14, 16, 18, 20, 24, 32, 64, 128),
        'BC_DC': _DC_SERIES,
    },
    'Hyperscale': {
        'HS_Gen5': _STANDARD_SERIES[:-1],                                           # up to 80
        'HS_S_Gen5': (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 80),         # serverless
        'HS_PRMS': (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 64, 80, 128),  # premium-series
        'HS_MOPRMS': (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 64, 80),     # memory optimized
        'HS_DC': _DC_SERIES,
    },
}

SERVICE_OBJECTIVES = dict(_DTU, **{
    edition: ['{}_{}'.format(family, vcores) for family, counts in families.items() for vcores in counts]
    for edition, families in _VCORE_FAMILIES.items()})
_EDITION_OF = {name.lower(): (edition, name) for edition, names in SERVICE_OBJECTIVES.items() for name in names}


def check_objective(edition, service_objective):
    """The canonical spelling of `service_objective` (None when not given); InvalidArgumentValueError when it
    does not exist, belongs to another edition than `edition`, or `edition` offers no objective at all."""
    from azure.cli.core.azclierror import InvalidArgumentValueError
    edition = None if edition in (None, 'None') else edition
    if edition is not None and not SERVICE_OBJECTIVES.get(edition, True):
        raise InvalidArgumentValueError(
            '--edition {} is no longer offered by Azure SQL Database: it has no service objective.'.format(edition),
            'Choose another edition, e.g. Premium or BusinessCritical.')
    if service_objective is None:
        return None
    found = _EDITION_OF.get(service_objective.lower())
    if found is None:
        raise InvalidArgumentValueError(
            "--service-objective '{}' is not an Azure SQL Database service objective{}.".format(
                service_objective, ' of edition ' + edition if edition else ''),
            _suggestion(service_objective, edition))
    owner, name = found
    if edition is not None and owner != edition:
        raise InvalidArgumentValueError(
            "--service-objective {} belongs to edition {}, not {}.".format(name, owner, edition),
            'Use --edition {} with it, or one of {}\'s: {}.'.format(owner, edition, _sample(edition)))
    return name


def _suggestion(value, edition):
    pool = SERVICE_OBJECTIVES[edition] if edition else [name for names in SERVICE_OBJECTIVES.values() for name in names]
    close = _nearest_size(value, pool) or next(iter(difflib.get_close_matches(value, pool, n=1, cutoff=0.6)), None)
    if close:
        return "Did you mean '{}'?".format(close)
    if edition:
        return '{} offers: {}.'.format(edition, _sample(edition))
    return 'Examples: Basic, S0, P1, GP_Gen5_2, GP_S_Gen5_1, BC_Gen5_4, HS_Gen5_2, DW100c.'


def _nearest_size(value, pool):
    """The objective of the same family whose last number is nearest: P16 -> P15, GP_Gen5_3 -> GP_Gen5_2."""
    shape = re.sub(r'\d+', '#', value.lower())
    number = int((re.findall(r'\d+', value) or ['0'])[-1])
    family = [name for name in pool if re.sub(r'\d+', '#', name.lower()) == shape]
    return min(family, key=lambda name: abs(int(re.findall(r'\d+', name)[-1]) - number), default=None)


def _sample(edition, limit=12):
    names = SERVICE_OBJECTIVES[edition]
    return ', '.join(names[:limit]) + (', …' if len(names) > limit else '')

"""Case rows as a municipality's CSV file has them, for tests that import cases."""
import io

from bot.cases import CSV_COLUMNS

HEADER = ",".join(CSV_COLUMNS)


def row(**values):
    base = dict(
        case_number="INB-100001", date_of_birth="1990-05-17", law="wi2021", route="b1", pip_date="2024-03-10",
        duty_start_date="", extension_until="", reading="passed", listening="passed", writing="open",
        speaking="open", knm="open", pvt_done="true", map_done="false", loan_granted_eur="", loan_used_eur="",
        contact_name="Sanne de Vries", contact_email="s.devries@example.nl", contact_phone="020 123 45 67",
        municipality="Voorbeeldstad",
    )
    base.update(values)
    return ",".join(base[c] for c in CSV_COLUMNS)


def csv_text(*rows, header=HEADER):
    return io.StringIO("\n".join([header, *rows]) + "\n")

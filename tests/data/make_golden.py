"""Regenerate the golden files in this folder: `.venv/bin/python tests/data/make_golden.py`.

They imitate what organizers download from start.gg, Challonge and Toornament (column names from
those exports), plus Windows (cp1252) and UTF-8-with-BOM CSVs written by Excel.
"""
import csv
import io
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent


def write_csv(name, rows, *, encoding="utf-8", delimiter=","):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    (HERE / name).write_bytes(buffer.getvalue().encode(encoding))


def startgg():
    header = ["Id", "GamerTag", "Short GamerTag", "Admin Notes", "Checked In", "Total Owed", "Total Paid", "Total Transaction",
              "Venue Fee Name", "Discriminator", "Discord ID", "Connect", "Riot ID", "Email", "What is your rank?"]
    rows = [["Dhaka Valorant Cup — Attendees"], ["Exported 2026-11-01 10:00 UTC"], header]
    for i in range(1, 11):
        rows.append([str(9000 + i), f"TEAM | Player{i}", f"Player{i}", "VIP" if i == 1 else "", "Yes" if i <= 4 else "No", "0", "0",
                     "0", "", f"d{i:04d}", f"player{i}#000{i}", "", f"Player{i}#BD{i:02d}", f"player{i}@example.com",
                     ["Iron", "Gold", "Radiant"][i % 3]])
    write_csv("startgg_attendees.csv", rows)


def challonge():
    header = ["id", "name", "seed", "misc", "email", "invite_name_or_email", "checked_in", "group_id", "on_waiting_list",
              "final_rank", "display_name"]
    rows = [header]
    for i in range(1, 9):
        email = f"c{i}@example.com" if i % 2 else ""
        invite = "" if i % 2 else f"c{i}@example.com"
        rows.append([str(100 + i), f"Challenger {i}", str(i), f"table {i}", email, invite, "true" if i < 3 else "false", "",
                     "false", "", f"challenger_{i}"])
    write_csv("challonge_participants.csv", rows)


def toornament():
    book = openpyxl.Workbook()
    sheet = book.active
    header = ["name", "email", "custom_user_identifier", "checked_in", "custom_fields.discord"]
    for slot in range(5):
        header += [f"lineup[{slot}].name", f"lineup[{slot}].email", f"lineup[{slot}].custom_fields.riot_id"]
    sheet.append(header)
    for t in range(1, 4):
        row = [f"Team Tornado {t}", f"cap{t}@example.com", f"T-{t}", t == 1, f"tornado{t}#1111"]
        for slot in range(5):
            row += [f"T{t}P{slot}", f"t{t}p{slot}@example.com", f"T{t}P{slot}#EU{t}{slot}"]
        sheet.append(row)
    book.save(HERE / "toornament_participants.xlsx")


def cp1252():
    rows = [["Name", "Email", "Konami ID", "Ciudad"], ["José Müller", "jose@example.com", "123456789", "Málaga"],
            ["Zoë Ørsted", "zoe@example.com", "223456789", "Århus"], ["François «Le Roi»", "fr@example.com", "323456789", "Besançon €"]]
    write_csv("generic_cp1252.csv", rows, encoding="cp1252", delimiter=";")


def utf8_bom():
    rows = [["Name", "Email", "Konami ID", "Country", "Team name in Bangla"],
            ["Nguyễn Văn Đức", "duc@example.com", "423456789", "VN", ""],
            ["রাকিব হাসান", "rakib@example.com", "523456789", "BD", "ঢাকা টাইগার্স"],
            ["Łukasz Żółć", "lukasz@example.com", "623456789", "PL", ""]]
    write_csv("generic_utf8_bom.csv", rows, encoding="utf-8-sig")


if __name__ == "__main__":
    startgg()
    challonge()
    toornament()
    cp1252()
    utf8_bom()

"""Hand-made department records shared by chapter 1's tests (identity resolution).

Marie Martin is held by three systems: exactly, with her first name as an initial, and at
a new address after a move. Her husband Paul shares her last name, address and home phone.
With the default match rules the pairs weigh (worked out field by field):

- r1-r2: first name (an initial agrees partly) 2 + last name 4 + birth date 7 + postcode 1
  + address 2 = 16;
- r1-r3: names 4 + 4 + birth date 7 - postcode 0.5 (moved) = 14.5;
- r2-r3: names 2 + 4 + birth date 7 - postcode 0.5 = 12.5;
- r1-r4 (Paul): first name -5 + last name 4 + birth date -7 + phone 5 + postcode 1
  + address 2 = 0.
"""

import pandas as pd

COLUMNS = ["record_id", "system", "account_number", "first_name", "last_name", "birth_date",
           "email", "phone", "address", "postcode", "city", "true_customer_id"]


def martin_records() -> pd.DataFrame:
    rows = [
        ("r1", "bank_core", "B1", "Marie", "Martin", "1970-03-01", "mm@x.fr", "0611223344",
         "1 rue Neuve", "35000", "Rennes", 1),
        ("r2", "cards", "C1", "M.", "Martin", "1970-03-01", None, None,
         "1 rue Neuve", "35000", "Rennes", 1),
        ("r3", "insurance_auto", "A1", "Marie", "MARTIN", "1970-03-01", None, None,
         "8 av. Foch", "75016", "Paris", 1),
        ("r4", "bank_core", "B2", "Paul", "Martin", "1968-11-20", None, "0611223344",
         "1 rue Neuve", "35000", "Rennes", 2),
    ]
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["birth_date"] = pd.to_datetime(df["birth_date"])
    return df

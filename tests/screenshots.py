"""Screenshots of the main pages in English and Arabic, for docs/screenshots/.

    .venv/bin/python tests/screenshots.py [--out docs/screenshots]

Not a test (pytest does not collect it): it seeds the demo data into a new SQLite
database in a temporary folder, serves the app on a free loopback port, and has Debian's
Chromium (through Playwright) log in as the demo caseworker and auditor and photograph the
home page, a case page with its "Next steps", and a case's history, on a desktop screen and
on a 390 px phone. Nothing is fetched from outside: the app serves everything it shows.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
from datetime import datetime
from pathlib import Path

import pyotp
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from casework import create_app  # noqa: E402
from casework.auth.models import User  # noqa: E402
from casework.core.transaction import unit_of_work  # noqa: E402
from casework.demo.cli import seed_demo  # noqa: E402
from casework.extensions import db  # noqa: E402
from casework.intake.models import Case, CaseStage  # noqa: E402
from tests.browser_fixtures import CHROMIUM_ARGS  # noqa: E402

PASSWORD = "screenshots-2017-raqqa"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    return parser.parse_args()


def seeded_app(folder: Path):
    app = create_app({"CASEWORK_ENV": "development", "SECRET_KEY": "screenshots",
                      "DATABASE_URL": f"sqlite:///{folder / 'casework.sqlite3'}"})
    app.instance_path = str(folder)
    with app.app_context():
        upgrade()
        with unit_of_work():
            seed_demo(PASSWORD)
    return app


def log_in(page, base: str, app, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"].btn-primary')
    if page.url.endswith("/login/totp"):
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            totp = pyotp.TOTP(user.totp_secret)
            # Each code works once: the current step, or the next one if it was used.
            step = max(totp.timecode(datetime.now()), (user.totp_last_counter or 0) + 1)
            code = totp.generate_otp(step)
        page.fill('input[name="code"]', code)
        page.click('button[type="submit"].btn-primary')
    page.wait_for_selector("[data-home-role]")


def main() -> None:
    args = arguments()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Chromium is not installed (apt-get install chromium).")
    with tempfile.TemporaryDirectory() as folder:
        app = seeded_app(Path(folder))
        with app.app_context():
            case = db.session.scalar(select(Case).where(Case.stage == CaseStage.under_review)
                                     .order_by(Case.id))
            case_id = case.id
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        shots = [("caseworker@demo.casework", "home", "/"),
                 ("caseworker@demo.casework", "case", f"/cases/{case_id}"),
                 ("auditor@demo.casework", "history", f"/audit/cases/{case_id}")]
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                                     args=CHROMIUM_ARGS)
                for language in ("en", "ar"):
                    context = browser.new_context(
                        viewport=DESKTOP, extra_http_headers={"Accept-Language": language})
                    page = context.new_page()
                    for email, name, path in shots:
                        log_in(page, base, app, email)
                        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                            page.set_viewport_size(viewport)
                            page.goto(base + path)
                            target = out / f"{name}-{language}-{size}.png"
                            page.screenshot(path=str(target), full_page=size == "desktop")
                            print(target.relative_to(ROOT))
                        page.set_viewport_size(DESKTOP)
                    context.close()
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()

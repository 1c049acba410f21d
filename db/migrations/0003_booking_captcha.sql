-- Issue 4: an operator may ask for a captcha on a release (a slot) that bots are expected at.
ALTER TABLE vax_slot ADD COLUMN captcha INTEGER NOT NULL DEFAULT 0;

# Reference values for tests/analysis/test_sipas.py (R package `survey`, Lumley).
# Run from the repository root:  Rscript tests/analysis/r/sipas_reference.R
# Prints one line per statistic: scope, group, key, estimate, se[, ci_low, ci_high, df].
# Recorded with R 4.2.2, survey 4.1.1 (the numbers are copied into test_sipas.py).
suppressMessages(library(survey))
options(digits = 12, survey.lonely.psu = "certainty")

d <- read.csv("tests/analysis/data/sipas_small.csv", na.strings = c("na", ""))
d$unit <- factor(d$unit)
d$w <- d$N / ave(d$N, d$unit, FUN = length)  # N_h / n_h
items <- c("q1", "q2", "q3", "q4")
for (q in items) {
  d[[paste0("valid_", q)]] <- as.numeric(!is.na(d[[q]]))
  d[[paste0("sat_", q)]] <- as.numeric(!is.na(d[[q]]) & d[[q]] >= 4)
}
d$sat_E1 <- d$sat_q1 + d$sat_q2
d$valid_E1 <- d$valid_q1 + d$valid_q2
d$sat_all <- d$sat_q1 + d$sat_q2 + d$sat_q3 + d$sat_q4
d$valid_all <- d$valid_q1 + d$valid_q2 + d$valid_q3 + d$valid_q4
des <- svydesign(id = ~1, strata = ~unit, weights = ~w, fpc = ~N, data = d)

say <- function(scope, group, key, est, se, extra = NULL) {
  cat(scope, group, key, format(c(est, se, extra), digits = 12), "\n")
}

ratios <- function(design) {
  # all 4 x 4 numerator/denominator ratios with their full covariance
  svyratio(~sat_q1 + sat_q2 + sat_q3 + sat_q4, ~valid_q1 + valid_q2 + valid_q3 + valid_q4,
           design, covmat = TRUE)
}

report <- function(design, scope, group = "-") {
  r <- ratios(design)
  for (q in items) {
    name <- paste0("sat_", q, "/valid_", q)
    one <- svyratio(as.formula(paste0("~sat_", q)), as.formula(paste0("~valid_", q)), design)
    say(scope, group, q, coef(one), SE(one))
    stopifnot(abs(coef(r)[name] - coef(one)) < 1e-12)
  }
  # element E1 = mean of the q1 and q2 ratios; E2 of q3, q4; SIPAS = mean of E1 and E2
  e1 <- svycontrast(r, c("sat_q1/valid_q1" = 0.5, "sat_q2/valid_q2" = 0.5))
  e2 <- svycontrast(r, c("sat_q3/valid_q3" = 0.5, "sat_q4/valid_q4" = 0.5))
  all <- svycontrast(r, c("sat_q1/valid_q1" = 0.25, "sat_q2/valid_q2" = 0.25,
                          "sat_q3/valid_q3" = 0.25, "sat_q4/valid_q4" = 0.25))
  say(scope, group, "E1", coef(e1), SE(e1))
  say(scope, group, "E2", coef(e2), SE(e2))
  say(scope, group, "SIPAS", coef(all), SE(all))
  # pooled: satisfied answers over valid answers across the element's / all items
  p1 <- svyratio(~sat_E1, ~valid_E1, design)
  pa <- svyratio(~sat_all, ~valid_all, design)
  say(scope, group, "pooled-E1", coef(p1), SE(p1))
  say(scope, group, "pooled-SIPAS", coef(pa), SE(pa))
}

report(des, "ALL")
for (u in levels(d$unit)) report(subset(des, unit == u), u)
report(subset(des, unit %in% c("A", "B")), "AB")  # a unit type made of units A and B
report(subset(des, unit == "A" & sex == "F"), "A", "F")  # a `by` group inside a unit
report(subset(des, sex == "M"), "ALL", "M")

# intervals of an item index: svyciprop on the respondents with a valid answer
for (u in levels(d$unit)) {
  sub <- subset(des, unit == u & !is.na(q1))
  for (m in c("logit", "beta")) {
    ci <- svyciprop(~I(q1 >= 4), sub, method = m)
    say(u, m, "q1", coef(ci), SE(ci), c(confint(ci), degf(sub)))
  }
}
sub <- subset(des, !is.na(q4))
for (m in c("logit", "beta")) {
  ci <- svyciprop(~I(q4 >= 4), sub, method = m)
  say("ALL", m, "q4", coef(ci), SE(ci), c(confint(ci), degf(sub)))
}

# design effects of item indices (against SRS without replacement, R's deff = TRUE)
for (u in c(levels(d$unit), "ALL")) {
  sub <- if (u == "ALL") subset(des, valid_q1 == 1) else subset(des, unit == u & valid_q1 == 1)
  cat(u, "deff", "q1", format(deff(svymean(~sat_q1, sub, deff = TRUE)), digits = 12), "\n")
}

# Reference values for tests/analysis/test_sipas_poststrat.py (R package `survey`, Lumley).
# Run from the repository root:
#   Rscript tests/analysis/r/sipas_poststrat.R > tests/analysis/r/sipas_poststrat.Rout
# The design of tests/analysis/r/sipas_reference.R (units are strata, w = N_h / n_h, fpc N_h),
# post-stratified within each unit to the known dossiers per cell (service field):
#   ps <- postStratify(d, ~unit + cell, pop_table)   # pop_table: unit, cell, Freq
# so every weight becomes N_hc / n_hc and the SEs use the influence values minus their mean in
# the respondent's unit x cell (svyrecvar with postStrata).
# Each line: the R call, then scope, group, key, estimate, se[, ci_low, ci_high, df | deff].
# Recorded with R 4.2.2, survey 4.1.1 (the numbers are copied into test_sipas_poststrat.py).
suppressMessages(library(survey))
options(digits = 12, survey.lonely.psu = "certainty")

d <- read.csv("tests/analysis/data/sipas_poststrat.csv", na.strings = c("na", ""))
d$unit <- factor(d$unit)
d$cell <- factor(d$cell)
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

pop_table <- read.csv("tests/analysis/data/sipas_poststrat_counts.csv")
pop_table$unit <- factor(pop_table$unit, levels = levels(d$unit))
pop_table$cell <- factor(pop_table$cell, levels = levels(d$cell))
stopifnot(all(tapply(pop_table$Freq, pop_table$unit, sum) == tapply(d$N, d$unit, max)))

des <- svydesign(id = ~1, strata = ~unit, weights = ~w, fpc = ~N, data = d)
ps <- postStratify(des, ~unit + cell, pop_table)
# the post-stratified weights are N_hc / n_hc
n_hc <- ave(d$w, d$unit, d$cell, FUN = length)
N_hc <- pop_table$Freq[match(paste(d$unit, d$cell), paste(pop_table$unit, pop_table$cell))]
stopifnot(max(abs(weights(ps) - N_hc / n_hc)) < 1e-9)

say <- function(call, scope, group, key, est, se, extra = NULL) {
  cat(sprintf("%-70s", call), scope, group, key, format(c(est, se, extra), digits = 12), "\n")
}

report <- function(design, label, scope, group = "-") {
  r <- svyratio(~sat_q1 + sat_q2 + sat_q3 + sat_q4, ~valid_q1 + valid_q2 + valid_q3 + valid_q4,
                design, covmat = TRUE)
  for (q in items) {
    one <- svyratio(as.formula(paste0("~sat_", q)), as.formula(paste0("~valid_", q)), design)
    say(sprintf("svyratio(~sat_%s, ~valid_%s, %s)", q, q, label), scope, group, q,
        coef(one), SE(one))
    stopifnot(abs(coef(r)[paste0("sat_", q, "/valid_", q)] - coef(one)) < 1e-12)
  }
  e1 <- svycontrast(r, c("sat_q1/valid_q1" = 0.5, "sat_q2/valid_q2" = 0.5))
  e2 <- svycontrast(r, c("sat_q3/valid_q3" = 0.5, "sat_q4/valid_q4" = 0.5))
  all <- svycontrast(r, c("sat_q1/valid_q1" = 0.25, "sat_q2/valid_q2" = 0.25,
                          "sat_q3/valid_q3" = 0.25, "sat_q4/valid_q4" = 0.25))
  say(sprintf("svycontrast(r(%s), q1/2 + q2/2)", label), scope, group, "E1", coef(e1), SE(e1))
  say(sprintf("svycontrast(r(%s), q3/2 + q4/2)", label), scope, group, "E2", coef(e2), SE(e2))
  say(sprintf("svycontrast(r(%s), (q1 + q2 + q3 + q4)/4)", label), scope, group, "SIPAS",
      coef(all), SE(all))
  p1 <- svyratio(~sat_E1, ~valid_E1, design)
  pa <- svyratio(~sat_all, ~valid_all, design)
  say(sprintf("svyratio(~sat_E1, ~valid_E1, %s)", label), scope, group, "pooled-E1",
      coef(p1), SE(p1))
  say(sprintf("svyratio(~sat_all, ~valid_all, %s)", label), scope, group, "pooled-SIPAS",
      coef(pa), SE(pa))
}

cat("# r(D) = svyratio(~sat_q1 + .. + sat_q4, ~valid_q1 + .. + valid_q4, D, covmat = TRUE)\n")
report(ps, "ps", "ALL")
for (u in levels(d$unit)) report(subset(ps, unit == u), sprintf("subset(ps, unit == '%s')", u), u)
report(subset(ps, unit %in% c("A", "B")), "subset(ps, unit %in% c('A', 'B'))", "AB")
report(subset(ps, unit == "A" & sex == "F"), "subset(ps, unit == 'A' & sex == 'F')", "A", "F")
report(subset(ps, sex == "M"), "subset(ps, sex == 'M')", "ALL", "M")

# the same overall SIPAS without post-stratification (base weights N_h / n_h)
for (u in c(levels(d$unit), "ALL")) {
  sub <- if (u == "ALL") des else subset(des, unit == u)
  r <- svyratio(~sat_q1 + sat_q2 + sat_q3 + sat_q4, ~valid_q1 + valid_q2 + valid_q3 + valid_q4,
                sub, covmat = TRUE)
  all <- svycontrast(r, c("sat_q1/valid_q1" = 0.25, "sat_q2/valid_q2" = 0.25,
                          "sat_q3/valid_q3" = 0.25, "sat_q4/valid_q4" = 0.25))
  say(sprintf("svycontrast(r(%s), (q1 + .. + q4)/4)",
              if (u == "ALL") "des" else sprintf("subset(des, unit == '%s')", u)),
      u, "base", "SIPAS", coef(all), SE(all))
}

# intervals of an item index: svyciprop on the respondents with a valid answer
for (u in levels(d$unit)) {
  sub <- subset(ps, unit == u & !is.na(q1))
  for (m in c("logit", "beta")) {
    # (svyglm notes that rows outside the subset have weight 0: expected, so not shown)
    ci <- suppressWarnings(svyciprop(~sat_q1, sub, method = m))
    say(sprintf("svyciprop(~sat_q1, subset(ps, unit == '%s' & !is.na(q1)), '%s')", u, m),
        u, m, "q1", coef(ci), SE(ci), c(confint(ci), degf(sub)))
  }
}

# design effects of item indices (against SRS without replacement, R's deff = TRUE)
for (u in c(levels(d$unit), "ALL")) {
  sub <- if (u == "ALL") subset(ps, valid_q1 == 1) else subset(ps, unit == u & valid_q1 == 1)
  m <- svymean(~sat_q1, sub, deff = TRUE)
  say(sprintf("deff(svymean(~sat_q1, subset(ps, %svalid_q1 == 1), deff = TRUE))",
              if (u == "ALL") "" else sprintf("unit == '%s' & ", u)),
      u, "deff", "q1", coef(m), SE(m), deff(m))
}

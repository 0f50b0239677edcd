# Reference values for the calibration tests in tests/analysis/test_design_vs_r.py.
# Run from the repository root:  Rscript tests/analysis/r/calibration_reference.R
# Recorded with R 4.2.2, survey 4.1.1; the numbers are copied into the test beside their call.
suppressMessages(library(survey))
options(digits = 15, survey.lonely.psu = "certainty")

api <- function(name) read.csv(paste0("../shared/data/api/", name, ".csv"))
apiclus1 <- api("apiclus1")
apistrat <- api("apistrat")
apipop <- api("apipop")

show <- function(label, x) {
  cat("##", label, "\n")
  print(x)
}
stat <- function(label, s) show(label, c(estimate = unname(coef(s)), se = unname(SE(s))))

dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dstrata <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)

# population tables from apipop
pop.types <- as.data.frame(table(stype = apipop$stype))
pop.schwide <- as.data.frame(table(sch.wide = apipop$sch.wide))
show("pop.types", pop.types)
show("pop.schwide", pop.schwide)

# --- post-stratification -----------------------------------------------------------------------
dps <- postStratify(dclus1, ~stype, data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018)))
stat("svymean(~api00, dps)", svymean(~api00, dps))
show("deff(svymean(~api00, dps, deff = TRUE))", deff(svymean(~api00, dps, deff = TRUE)))
stat("svytotal(~enroll, dps)", svytotal(~enroll, dps))
stat("svymean(~I(as.numeric(ell == 0)), dps)", svymean(~I(as.numeric(ell == 0)), dps))
r <- svyratio(~api.stu, ~enroll, dps)
show("svyratio(~api.stu, ~enroll, dps): ratio, se", c(coef(r), SE(r)))
by <- svyby(~api00, ~stype, dps, svymean)
show("svyby(~api00, ~stype, dps, svymean): estimate, se", cbind(coef(by), SE(by)))
by <- svyby(~api00, ~sch.wide, dps, svymean)
show("svyby(~api00, ~sch.wide, dps, svymean): estimate, se", cbind(coef(by), SE(by)))
stat("svymean(~api00, subset(dps, sch.wide == 'No'))", svymean(~api00, subset(dps, sch.wide == "No")))
show("degf(dps)", degf(dps))
show("sum(weights(dps))", sum(weights(dps)))

dps_strat <- postStratify(dstrata, ~sch.wide, pop.schwide)
stat("svymean(~api00, postStratify(dstrata, ~sch.wide, pop.schwide))", svymean(~api00, dps_strat))

# --- raking ------------------------------------------------------------------------------------
drake <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
stat("svymean(~api00, rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide)))",
     svymean(~api00, drake))
stat("svytotal(~enroll, <the same rake>)", svytotal(~enroll, drake))
drake_tight <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
                    control = list(maxit = 100, epsilon = 1e-13))
stat("svymean(~api00, rake(<the same>, control = list(maxit = 100, epsilon = 1e-13)))",
     svymean(~api00, drake_tight))
stat("svytotal(~enroll, <the tight rake>)", svytotal(~enroll, drake_tight))
stat("svymean(~I(as.numeric(ell == 0)), <the tight rake>)",
     svymean(~I(as.numeric(ell == 0)), drake_tight))
by <- svyby(~api00, ~stype, drake_tight, svymean)
show("svyby(~api00, ~stype, <the tight rake>, svymean): estimate, se", cbind(coef(by), SE(by)))
r <- svyratio(~api.stu, ~enroll, drake_tight)
show("svyratio(~api.stu, ~enroll, <the tight rake>): ratio, se", c(coef(r), SE(r)))
show("weights(<tight rake>) range", range(weights(drake_tight)))

# calibrate(calfun = "raking") reaches the same weights; its variance uses the d-weighted
# regression residuals (exact projection) instead of rake()'s 10 backfitting sweeps
pop.totals <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, sch.wideYes = 5122)
dcal <- calibrate(dclus1, ~stype + sch.wide, pop.totals, calfun = "raking", epsilon = 1e-13,
                  maxit = 100)
stat("svymean(~api00, calibrate(dclus1, ~stype + sch.wide, pop.totals, calfun = 'raking'))",
     svymean(~api00, dcal))
stat("svytotal(~enroll, <the same calibrate>)", svytotal(~enroll, dcal))
stat("svymean(~I(as.numeric(ell == 0)), <the same calibrate>)",
     svymean(~I(as.numeric(ell == 0)), dcal))
by <- svyby(~api00, ~stype, dcal, svymean)
show("svyby(~api00, ~stype, <the same calibrate>, svymean): estimate, se", cbind(coef(by), SE(by)))
r <- svyratio(~api.stu, ~enroll, dcal)
show("svyratio(~api.stu, ~enroll, <the same calibrate>): ratio, se", c(coef(r), SE(r)))
show("max |weights(calibrate) - weights(tight rake)|", max(abs(weights(dcal) - weights(drake_tight))))

# raking a stratified design (unequal base weights)
drake_strat <- calibrate(dstrata, ~stype + sch.wide, pop.totals, calfun = "raking",
                         epsilon = 1e-13, maxit = 100)
stat("svymean(~api00, calibrate(dstrata, ~stype + sch.wide, pop.totals, calfun = 'raking'))",
     svymean(~api00, drake_strat))
drake_strat2 <- rake(dstrata, list(~sch.wide, ~comp.imp),
                     list(pop.schwide, as.data.frame(table(comp.imp = apipop$comp.imp))),
                     control = list(maxit = 100, epsilon = 1e-13))
stat("svymean(~api00, rake(dstrata, list(~sch.wide, ~comp.imp), <apipop tables>, tight))",
     svymean(~api00, drake_strat2))
pop2 <- c(`(Intercept)` = 6194, sch.wideYes = 5122, comp.impYes = sum(apipop$comp.imp == "Yes"))
dcal2 <- calibrate(dstrata, ~sch.wide + comp.imp, pop2, calfun = "raking", epsilon = 1e-13,
                   maxit = 100)
stat("svymean(~api00, calibrate(dstrata, ~sch.wide + comp.imp, <apipop totals>, calfun = 'raking'))",
     svymean(~api00, dcal2))
show("pop2", pop2)

# --- post-stratifying twice (we linearise the last calibration first; R in the order made) ------
d2 <- postStratify(dps, ~sch.wide, pop.schwide)
stat("svytotal(~I(as.numeric(sch.wide == 'Yes')), postStratify(dps, ~sch.wide, pop.schwide))",
     svytotal(~I(as.numeric(sch.wide == "Yes")), d2))
stat("svymean(~api00, postStratify(dps, ~sch.wide, pop.schwide))", svymean(~api00, d2))

# Reference intervals for tests/analysis/test_design_vs_r.py (R `survey`'s svyciprop, confint).
# Run from the repository root:  Rscript tests/analysis/r/intervals_reference.R
# Recorded with R 4.2.2, survey 4.1.1; the numbers are copied into the test beside their call.
suppressMessages(library(survey))
options(digits = 15, survey.lonely.psu = "certainty")

api <- function(name) read.csv(paste0("../shared/data/api/", name, ".csv"))
apiclus1 <- api("apiclus1")
apistrat <- api("apistrat")

show <- function(label, x) {
  cat("##", label, "\n")
  print(x)
}
ciprop <- function(label, ci) {
  show(label, c(estimate = unname(coef(ci)), se = unname(SE(ci)), low = unname(confint(ci)[1]),
                high = unname(confint(ci)[2])))
}

dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dstrata <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)

ciprop("svyciprop(~I(ell == 0), dclus1, method = 'logit')",
       svyciprop(~I(ell == 0), dclus1, method = "logit"))
ciprop("svyciprop(~I(ell == 0), dclus1, method = 'beta')",
       svyciprop(~I(ell == 0), dclus1, method = "beta"))
ciprop("svyciprop(~I(ell == 0), dclus1, method = 'logit', level = 0.9)",
       svyciprop(~I(ell == 0), dclus1, method = "logit", level = 0.9))
ciprop("svyciprop(~I(ell == 0), dclus1, method = 'beta', level = 0.9)",
       svyciprop(~I(ell == 0), dclus1, method = "beta", level = 0.9))
ciprop("svyciprop(~I(sch.wide == 'Yes'), dstrata, method = 'logit')",
       svyciprop(~I(sch.wide == "Yes"), dstrata, method = "logit"))
ciprop("svyciprop(~I(sch.wide == 'Yes'), dstrata, method = 'beta')",
       svyciprop(~I(sch.wide == "Yes"), dstrata, method = "beta"))
ciprop("svyciprop(~I(sch.wide == 'Yes'), subset(dclus1, stype == 'H'), method = 'logit')",
       svyciprop(~I(sch.wide == "Yes"), subset(dclus1, stype == "H"), method = "logit"))
ciprop("svyciprop(~I(sch.wide == 'Yes'), subset(dclus1, stype == 'H'), method = 'beta')",
       svyciprop(~I(sch.wide == "Yes"), subset(dclus1, stype == "H"), method = "beta"))
show("nrow, degf of subset(dclus1, stype == 'H')",
     c(nrow(subset(dclus1, stype == "H")), degf(subset(dclus1, stype == "H"))))

# p = 0 and p = 1: R returns NaN (logit: the glm diverges; beta: n.eff = 0/0)
ciprop("svyciprop(~I(api00 > 2000), dclus1, method = 'beta')  # p = 0",
       suppressWarnings(svyciprop(~I(api00 > 2000), dclus1, method = "beta")))

# mean intervals: confint(svymean, df = degf) and the normal one
m <- svymean(~api00, dclus1)
show("confint(svymean(~api00, dclus1), df = degf(dclus1))", confint(m, df = degf(dclus1)))
show("confint(svymean(~api00, dclus1))  # normal", confint(m))
show("confint(svymean(~api00, dclus1), level = 0.9, df = 14)", confint(m, level = 0.9, df = 14))

# a domain of a calibrated design: R keeps every row (weight 0 outside), so nrow(design) in the
# beta method's df adjustment is the whole sample's 183, not the domain's 14
dps <- postStratify(dclus1, ~stype, data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018)))
ciprop("svyciprop(~I(sch.wide == 'Yes'), subset(dps, stype == 'H'), method = 'logit')",
       svyciprop(~I(sch.wide == "Yes"), subset(dps, stype == "H"), method = "logit"))
ciprop("svyciprop(~I(sch.wide == 'Yes'), subset(dps, stype == 'H'), method = 'beta')",
       svyciprop(~I(sch.wide == "Yes"), subset(dps, stype == "H"), method = "beta"))
show("nrow, degf of subset(dps, stype == 'H')",
     c(nrow(subset(dps, stype == "H")), degf(subset(dps, stype == "H"))))

# Reference values for tests/analysis/test_design_vs_r.py (R package `survey`, Lumley).
# Run from the repository root:  Rscript tests/analysis/r/design_reference.R
# Recorded with R 4.2.2, survey 4.1.1; the numbers are copied into the test beside their call.
suppressMessages(library(survey))
options(digits = 15, survey.lonely.psu = "certainty")

api <- function(name) read.csv(paste0("../shared/data/api/", name, ".csv"))
apistrat <- api("apistrat")
apiclus1 <- api("apiclus1")
apisrs <- api("apisrs")

show <- function(label, x) {
  cat("##", label, "\n")
  print(x)
}
stat <- function(label, s) {
  # estimate, SE and (when asked for) deff of a svystat
  out <- c(estimate = unname(coef(s)), se = unname(SE(s)))
  if (!is.null(attr(s, "deff"))) out <- c(out, deff = unname(diag(as.matrix(deff(s)))))
  show(label, out)
}

dstrata <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
show("degf(dstrata)", degf(dstrata))
show("degf(dclus1)", degf(dclus1))

# --- stratified design -------------------------------------------------------------------------
stat("svymean(~api00, dstrata, deff = TRUE)", svymean(~api00, dstrata, deff = TRUE))
stat("svymean(~enroll, dstrata, deff = TRUE)", svymean(~enroll, dstrata, deff = TRUE))
stat("svytotal(~api00, dstrata, deff = TRUE)", svytotal(~api00, dstrata, deff = TRUE))
stat("svytotal(~enroll, dstrata, deff = TRUE)", svytotal(~enroll, dstrata, deff = TRUE))
show("vcov(svymean(~api00 + enroll, dstrata))", vcov(svymean(~api00 + enroll, dstrata)))

# --- one-stage cluster design ------------------------------------------------------------------
stat("svymean(~api00, dclus1, deff = TRUE)", svymean(~api00, dclus1, deff = TRUE))
stat("svytotal(~api00, dclus1, deff = TRUE)", svytotal(~api00, dclus1, deff = TRUE))
stat("svymean(~enroll, dclus1, deff = TRUE)", svymean(~enroll, dclus1, deff = TRUE))
stat("svytotal(~enroll, dclus1, deff = TRUE)", svytotal(~enroll, dclus1, deff = TRUE))

# --- domains -----------------------------------------------------------------------------------
byshow <- function(label, b) {
  # one row per domain: estimate, se[, deff]
  out <- cbind(estimate = coef(b), se = SE(b))
  if (!is.null(attr(b, "svyby")$deffs) && !isFALSE(attr(b, "svyby")$deffs))
    out <- cbind(out, deff = deff(b))
  show(label, out)
}
byshow("svyby(~api00, ~stype, dstrata, svymean, deff = TRUE)",
       svyby(~api00, ~stype, dstrata, svymean, deff = TRUE))
byshow("svyby(~api00, ~stype, dclus1, svymean, deff = TRUE)",
       svyby(~api00, ~stype, dclus1, svymean, deff = TRUE))
byshow("svyby(~enroll, ~stype, dclus1, svytotal, deff = TRUE)",
       svyby(~enroll, ~stype, dclus1, svytotal, deff = TRUE))
dE <- subset(dclus1, stype == "E")
stat("svymean(~api00, subset(dclus1, stype == 'E'), deff = TRUE)", svymean(~api00, dE, deff = TRUE))
show("degf(subset(dclus1, stype == 'E'))", degf(dE))
dH <- subset(dclus1, stype == "H")
show("degf(subset(dclus1, stype == 'H'))", degf(dH))
stat("svymean(~api00, subset(dclus1, stype == 'H'))", svymean(~api00, dH))

# --- ratios ------------------------------------------------------------------------------------
r <- svyratio(~api.stu, ~enroll, dstrata, deff = TRUE)
show("svyratio(~api.stu, ~enroll, dstrata, deff = TRUE): ratio, se, deff",
     c(coef(r), SE(r), deff(r)))
r <- svyratio(~api.stu, ~enroll, dclus1, deff = TRUE)
show("svyratio(~api.stu, ~enroll, dclus1, deff = TRUE): ratio, se, deff",
     c(coef(r), SE(r), deff(r)))
r <- svyratio(~api.stu, ~enroll, subset(dstrata, stype == "M"))
show("svyratio(~api.stu, ~enroll, subset(dstrata, stype == 'M')): ratio, se", c(coef(r), SE(r)))
r <- svyratio(~api.stu + api00, ~enroll + api99, dclus1, covmat = TRUE)
show("svyratio(~api.stu + api00, ~enroll + api99, dclus1, covmat = TRUE): ratios", coef(r))
show("... vcov", vcov(r))

# --- proportions -------------------------------------------------------------------------------
stat("svymean(~I(as.numeric(ell == 0)), dclus1, deff = TRUE)",
     svymean(~I(as.numeric(ell == 0)), dclus1, deff = TRUE))
stat("svymean(~I(as.numeric(sch.wide == 'Yes')), dstrata, deff = TRUE)",
     svymean(~I(as.numeric(sch.wide == "Yes")), dstrata, deff = TRUE))

# --- simple random samples: deff against SRSWOR ------------------------------------------------
dsrs <- svydesign(id = ~1, weights = ~pw, fpc = ~fpc, data = apisrs)
stat("svymean(~api00, svydesign(id=~1, weights=~pw, fpc=~fpc, data=apisrs), deff = TRUE)",
     svymean(~api00, dsrs, deff = TRUE))
dsrs_nofpc <- svydesign(id = ~1, weights = ~pw, data = apisrs)
stat("svymean(~api00, svydesign(id=~1, weights=~pw, data=apisrs), deff = TRUE)",
     svymean(~api00, dsrs_nofpc, deff = TRUE))
stat("svymean(~api00, ..., deff = 'replace') (the same design, no fpc)",
     svymean(~api00, dsrs_nofpc, deff = "replace"))
apisrs$one <- 1
dsrs_one <- svydesign(id = ~1, weights = ~one, data = apisrs)
stat("svymean(~api00, svydesign(id=~1, weights=~one, data=apisrs), deff = 'replace')",
     svymean(~api00, dsrs_one, deff = "replace"))

# --- a stratum with one PSU (lonely PSU: survey.lonely.psu = "certainty") -----------------------
lonely <- apistrat[c(which(apistrat$stype == "E")[1:10], which(apistrat$stype == "H")[1],
                     which(apistrat$stype == "M")[1:5]), ]
dlonely <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = lonely)
stat("svymean(~api00, <apistrat: 10 E, first H, 5 M>, lonely.psu = 'certainty')",
     svymean(~api00, dlonely))
stat("svytotal(~api00, <the same>)", svytotal(~api00, dlonely))

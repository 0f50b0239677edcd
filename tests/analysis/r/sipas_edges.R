# Reference figures for tests/analysis/test_sipas_edges.py: a unit where every answer is satisfied.
# Run from the repository root:
#   Rscript tests/analysis/r/sipas_edges.R > tests/analysis/r/sipas_edges.Rout
# Recorded with R 4.2.2, survey 4.1.1; the numbers are copied into the test beside their call.
#
# sipas-2023's layout: 19 items q1..q19 in elements of 4, 4, 5, 3 and 3 items; the SIPAS index is
# the mean of the elements' means of item shares (no blanks here, so it is svymean of each
# respondent's composite). Unit A: 31 respondents, every item satisfied. Unit B: 40 respondents,
# item j satisfied by the first THRESHOLD[j]. Units are strata with N_A = 200, N_B = 500 (weights
# N/n, fpc N). Post-stratified: respondents alternate between cells x and y (row 1: x), known
# counts A:x 120, A:y 80, B:x 300, B:y 200.
suppressMessages(library(survey))
options(digits = 15, survey.lonely.psu = "certainty")

n_a <- 31
n_b <- 40
sizes <- c(4, 4, 5, 3, 3)
element <- rep(seq_along(sizes), sizes)
threshold <- rep(c(28, 20, 24, 30, 18, 22, 26), length.out = 19)
items <- paste0("q", 1:19)
d <- data.frame(unit = c(rep("A", n_a), rep("B", n_b)), N = c(rep(200, n_a), rep(500, n_b)))
for (j in 1:19) d[[items[j]]] <- c(rep(1, n_a), as.numeric(seq_len(n_b) <= threshold[j]))
y <- as.matrix(d[items])
d$sipas <- rowMeans(sapply(seq_along(sizes), function(e) rowMeans(y[, element == e, drop = FALSE])))
d$cell <- ifelse(seq_len(nrow(d)) %% 2 == 1, "x", "y")
d$w <- d$N / ave(d$N, d$unit, FUN = length)

show <- function(label, x) {
  cat("##", label, "\n")
  print(x)
}
ciprop <- function(label, ci) {
  show(label, c(estimate = unname(coef(ci)), se = unname(SE(ci)), low = unname(confint(ci)[1]),
                high = unname(confint(ci)[2])))
}

des <- svydesign(id = ~1, strata = ~unit, weights = ~w, fpc = ~N, data = d)
a <- subset(des, unit == "A")

# What svyciprop does at p = 1: logit gives a degenerate interval, beta (Korn-Graubard) NaN,
# because both divide by the variance, which is 0.
ciprop("svyciprop(~I(q1 == 1), unit A, method = 'logit')",
       suppressWarnings(svyciprop(~I(q1 == 1), a, method = "logit")))
ciprop("svyciprop(~I(q1 == 1), unit A, method = 'beta')",
       suppressWarnings(svyciprop(~I(q1 == 1), a, method = "beta")))
show("svymean(~sipas, unit A): the overall index and its SE", svymean(~sipas, a))

# The rule analysis/ applies at p = 1 (analysis/intervals.py): Korn-Graubard with n* = Kish's
# (sum w)^2 / sum w^2, i.e. Clopper-Pearson at n* successes out of n*: [(alpha/2)^(1/n*), 1].
show("binom.test(31, 31)$conf.int (Clopper-Pearson, n = 31)", binom.test(n_a, n_a)$conf.int)
show("qbeta(0.025, 31, 1)", qbeta(0.025, n_a, 1))

# Post-stratified within units to the cells' counts.
pop <- data.frame(unit = c("A", "A", "B", "B"), cell = c("x", "y", "x", "y"),
                  Freq = c(120, 80, 300, 200))
post <- postStratify(des, ~unit + cell, pop)
pa <- subset(post, unit == "A")
w <- weights(pa)
w <- w[w > 0]
kish <- sum(w)^2 / sum(w^2)
show("Kish n* of unit A post-stratified", kish)
show("qbeta(0.025, Kish n*, 1): the lower bound at p = 1 post-stratified", qbeta(0.025, kish, 1))
show("svymean(~sipas, unit A post-stratified)", svymean(~sipas, pa))
ciprop("svyciprop(~I(q1 == 1), unit A post-stratified, method = 'logit')",
       suppressWarnings(svyciprop(~I(q1 == 1), pa, method = "logit")))

# Unit B for contrast (0 < p < 1): the ordinary logit interval and the SIPAS mean.
b <- subset(des, unit == "B")
ciprop("svyciprop(~I(q1 == 1), unit B, method = 'logit')",
       svyciprop(~I(q1 == 1), b, method = "logit"))
m <- svymean(~sipas, b)
show("svymean(~sipas, unit B)", c(mean = unname(coef(m)), se = unname(SE(m))))

# Unit C: 31 respondents, element 1's items satisfied by all, the others by none: SIPAS 0.2 with
# variance 0 by construction; analysis/ gives Korn-Graubard with n* = 31 (as at the edges).
show("Korn-Graubard at p = 0.2, n* = 31: qbeta(0.025, 6.2, 25.8), qbeta(0.975, 7.2, 24.8)",
     c(qbeta(0.025, 31 * 0.2, 31 * 0.8 + 1), qbeta(0.975, 31 * 0.2 + 1, 31 * 0.8)))
# Unit D: 31 respondents, none satisfied: [0, 1 - (alpha/2)^(1/31)].
show("binom.test(0, 31)$conf.int", binom.test(0, n_a)$conf.int)

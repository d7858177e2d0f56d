"""Chapter 02 checks, typical mistakes fail with their hint (both-way tests on solutions and stubs: test_checks_both_ways.py)."""
import numpy as np
import pytest

from lecture_lib.checks import FAILED, PASSED, ch02

def test_not_a_function_is_reported():
    result = ch02.check_sigmoid(0.5)
    assert result.status == FAILED and "expected a function" in result.summary


# --- reference pieces the wrong answers below are built from ------------------------------

def good_sigmoid(h):
    h = np.asarray(h, dtype=float)
    z = np.exp(-np.abs(h))
    return np.where(h >= 0, 1 / (1 + z), z / (1 + z))


def clipped_log_terms(y, y_hat, kappa=1e-7):
    p = np.clip(y_hat, kappa, 1 - kappa)
    return y * np.log(p) + (1 - y) * np.log(1 - p)


# --- exercise 1a: sigmoid -------------------------------------------------------------------

def sigmoid_naive(h):
    return 1 / (1 + np.exp(-h))                       # overflow warning for h < -709


def sigmoid_naive_other_form(h):
    return np.exp(h) / (1 + np.exp(h))                # inf / inf = NaN for h > 709


def sigmoid_where_both_branches(h):
    return np.where(h >= 0, 1 / (1 + np.exp(-h)), np.exp(h) / (1 + np.exp(h)))  # right values, warnings


def sigmoid_wrong_sign(h):
    return good_sigmoid(-h)


def sigmoid_returns_exp(h):
    return np.exp(-np.clip(h, -50, 50))


def sigmoid_returns_list(h):
    return good_sigmoid(h).tolist()


def sigmoid_flattened(h):
    return good_sigmoid(h).ravel()


def sigmoid_clipped_input(h):
    return 1 / (1 + np.exp(-np.clip(h, -500, 500)))   # a fine stable variant: must pass


@pytest.mark.parametrize("wrong, hint, words", [
    (sigmoid_naive, "naive_exp_overflow", "overflow encountered in exp"),
    (sigmoid_naive_other_form, "naive_exp_overflow", "NaN or inf at h = 745, 1000"),
    (sigmoid_where_both_branches, "naive_exp_overflow", "np.where"),
    (sigmoid_wrong_sign, "wrong_sign_exponent", "sign inside"),
    (sigmoid_returns_exp, "returned_exp", "exp(-h)"),
    (sigmoid_returns_list, None, "Expected an ndarray"),
    (sigmoid_flattened, None, "Expected shape (2, 3)"),
])
def test_sigmoid_mistakes(wrong, hint, words):
    result = ch02.check_sigmoid(wrong)
    assert result.status == FAILED, result
    assert words in repr(result)
    assert result.hints == ([hint] if hint else [])


def test_sigmoid_by_clipping_the_input_passes():
    assert ch02.check_sigmoid(sigmoid_clipped_input).status == PASSED


def test_sigmoid_feedback_never_shows_the_expected_values():
    text = repr(ch02.check_sigmoid(sigmoid_returns_exp))
    assert "0.881" not in text and "0.622" not in text  # sigma(2), sigma(0.5): the reference answers


# --- exercise 1b: sigmoid_derivative ---------------------------------------------------------------

def derivative_of_h(h):
    return h * (1 - h)


def derivative_returns_sigma(h):
    return good_sigmoid(h)


def derivative_negative(h):
    g = good_sigmoid(h)
    return g * (g - 1)


def derivative_naive_exp(h):
    return np.exp(-h) / (1 + np.exp(-h)) ** 2         # inf / inf = NaN for h << 0


def derivative_with_naive_sigmoid(h):
    g = sigmoid_naive(h)
    return g * (1 - g)                                 # right values, overflow warning


@pytest.mark.parametrize("wrong, hint", [
    (derivative_of_h, "h_not_sigma"),
    (derivative_returns_sigma, "returned_sigma"),
    (derivative_negative, "negative_derivative"),
    (derivative_naive_exp, "naive_exp_overflow"),
    (derivative_with_naive_sigmoid, "naive_exp_overflow"),
])
def test_sigmoid_derivative_mistakes(wrong, hint):
    result = ch02.check_sigmoid_derivative(wrong)
    assert result.status == FAILED, result
    assert result.hints == [hint], result


# --- exercise 2: binary_cross_entropy ------------------------------------------------------------

def bce_missing_minus(y, y_hat):
    return float(np.mean(clipped_log_terms(y, y_hat)))


def bce_summed(y, y_hat):
    return float(-np.sum(clipped_log_terms(y, y_hat)))


def bce_swapped(y, y_hat):
    return float(-np.mean(clipped_log_terms(1 - y, y_hat)))


def bce_no_clipping(y, y_hat):
    return float(-np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))


def bce_per_example(y, y_hat):
    return -clipped_log_terms(y, y_hat)


def bce_huge_eps(y, y_hat):
    return float(-np.mean(clipped_log_terms(y, y_hat, kappa=0.005)))


def bce_clipped_at_1e_15(y, y_hat):
    return float(-np.mean(clipped_log_terms(y, y_hat, kappa=1e-15)))   # a fine choice: must pass


def bce_eps_inside_log(y, y_hat):
    return float(-np.mean(y * np.log(y_hat + 1e-7) + (1 - y) * np.log(1 - y_hat + 1e-7)))  # fine: must pass


def bce_returns_string(y, y_hat):
    return "0.3"


@pytest.mark.parametrize("wrong, hint, words", [
    (bce_missing_minus, "missing_minus", "never negative"),
    (bce_summed, "sum_not_mean", "N times too large"),
    (bce_swapped, "swapped_terms", "swapped"),
    (bce_no_clipping, "log_of_zero", "NaN or inf"),
    (bce_per_example, "per_example_losses", "their mean"),
    (bce_huge_eps, None, "small, around 1e-7"),
    (bce_returns_string, None, "Expected a single number"),
])
def test_binary_cross_entropy_mistakes(wrong, hint, words):
    result = ch02.check_binary_cross_entropy(wrong)
    assert result.status == FAILED, result
    assert words in repr(result)
    assert result.hints == ([hint] if hint else [])


@pytest.mark.parametrize("fine", [bce_clipped_at_1e_15, bce_eps_inside_log])
def test_other_small_eps_choices_pass(fine):
    assert ch02.check_binary_cross_entropy(fine).status == PASSED


# --- exercise 3: logistic_gradient ------------------------------------------------------------------

def _eps(x, y, w, b):
    return good_sigmoid(x @ w + b) - y


def gradient_reversed(x, y, w, b):
    e = -_eps(x, y, w, b)
    return x.T @ e / len(y), float(np.mean(e))


def gradient_summed(x, y, w, b):
    e = _eps(x, y, w, b)
    return x.T @ e, float(np.sum(e))


def gradient_zero_db(x, y, w, b):
    return x.T @ _eps(x, y, w, b) / len(y), 0.0


def gradient_dw_only(x, y, w, b):
    return x.T @ _eps(x, y, w, b) / len(y)


def gradient_squared_error(x, y, w, b):
    g = good_sigmoid(x @ w + b)
    e = (g - y) * g * (1 - g)
    return x.T @ e / len(y), float(np.mean(e))


def gradient_without_sigmoid(x, y, w, b):
    e = x @ w + b - y
    return x.T @ e / len(y), float(np.mean(e))


def gradient_wrong_db_only(x, y, w, b):
    e = _eps(x, y, w, b)
    return x.T @ e / len(y), float(np.mean(e)) + 0.5


def gradient_column(x, y, w, b):
    e = _eps(x, y, w, b)
    return (x.T @ e / len(y)).reshape(-1, 1), float(np.mean(e))


@pytest.mark.parametrize("wrong, hint, words", [
    (gradient_reversed, "reversed_sign", "wrong way"),
    (gradient_summed, "missing_mean", "N times too large"),
    (gradient_zero_db, "db_missing", "dw is right but db is not"),
    (gradient_dw_only, "db_missing", "one array only"),
    (gradient_squared_error, "squared_error_gradient", "squared error"),
    (gradient_without_sigmoid, "forgot_sigmoid", "weighted sum h"),
    (gradient_wrong_db_only, None, "dw is right but db is not"),
    (gradient_column, None, "Expected dw of shape (2,)"),
])
def test_logistic_gradient_mistakes(wrong, hint, words):
    result = ch02.check_logistic_gradient(wrong)
    assert result.status == FAILED, result
    assert words in repr(result)
    assert result.hints == ([hint] if hint else [])


def test_gradient_exception_is_feedback_with_the_learner_line():
    def crashes(x, y, w, b):
        return x @ w.reshape(1, -1), 0.0  # the learner's own shape bug

    result = ch02.check_logistic_gradient(crashes)
    assert result.status == FAILED
    assert "ValueError" in repr(result) and "w.reshape(1, -1)" in repr(result)


def test_endless_loop_is_stopped():
    def spins(y, y_hat):
        while True:
            pass

    result = ch02.check_binary_cross_entropy(spins, time_limit=0.3)
    assert result.status == FAILED and "did not finish" in result.summary


def test_checks_do_not_change_the_callers_warning_state():
    import warnings
    before = (np.geterr(), list(warnings.filters))
    ch02.check_sigmoid(sigmoid_naive)
    assert (np.geterr(), list(warnings.filters)) == before


# --- exercise 1a: log_sigmoid, derived --------------------------------------------------------------------

def good_log_sigmoid(h):
    h = np.asarray(h, dtype=float)
    tail = np.log1p(np.exp(-np.abs(h)))
    return np.where(h >= 0, -tail, h - tail)


def log_sigmoid_naive(h):
    return -np.log(1 + np.exp(-h))                     # exp overflows for h < -709: -inf


def log_sigmoid_of_sigmoid(h):
    return np.log(good_sigmoid(h))                     # sigma underflows to 0 below -745: log 0


def log_sigmoid_where_both_branches(h):
    return np.where(h >= 0, -np.log1p(np.exp(-h)), h - np.log1p(np.exp(h)))   # right values, overflow warning


def log_sigmoid_negative_branch_wrong(h):
    h = np.asarray(h, dtype=float)
    tail = np.log1p(np.exp(-np.abs(h)))
    return np.where(h >= 0, -tail, -tail)              # forgot the h of the h < 0 form


def log_sigmoid_positive_branch_wrong(h):
    h = np.asarray(h, dtype=float)
    tail = np.log1p(np.exp(-np.abs(h)))
    return np.where(h >= 0, -np.exp(-np.abs(h)), h - tail)   # log(1 + t) taken as t for h >= 0


def log_sigmoid_negated(h):
    return -good_log_sigmoid(h)


def log_sigmoid_wrong_sign(h):
    return good_log_sigmoid(-np.asarray(h, dtype=float))


def log_sigmoid_plain_log(h):
    h = np.asarray(h, dtype=float)                     # log(1 + t) instead of log1p: still right to 1e-12
    tail = np.log(1 + np.exp(-np.abs(h)))
    return np.where(h >= 0, -tail, h - tail)


@pytest.mark.parametrize("wrong, hint, words", [
    (log_sigmoid_naive, "naive_exp_overflow", "NaN or inf at h = -1000, -745"),
    (log_sigmoid_of_sigmoid, "log_of_underflow", "NaN or inf at h = -1000"),
    (log_sigmoid_where_both_branches, "naive_exp_overflow", "overflow encountered in exp"),
    (log_sigmoid_negative_branch_wrong, None, "wrong for h < 0 (at h = -2, -0.5). Your form for h >= 0 is right"),
    (log_sigmoid_positive_branch_wrong, None, "wrong for h >= 0 (at h = 0, 0.5, 2). Your form for h < 0 is right"),
    (log_sigmoid_negated, "negated", "range from"),
    (log_sigmoid_wrong_sign, "wrong_sign_exponent", "wrong for h >= 0 and for h < 0"),
])
def test_log_sigmoid_mistakes_name_the_wrong_branch(wrong, hint, words):
    result = ch02.check_log_sigmoid(wrong)
    assert result.status == FAILED, result
    assert words in repr(result), result
    assert result.hints == ([hint] if hint else []), result


@pytest.mark.parametrize("fine", [good_log_sigmoid, log_sigmoid_plain_log])
def test_log_sigmoid_forms_that_never_overflow_pass(fine):
    assert ch02.check_log_sigmoid(fine).status == PASSED


def test_right_values_with_a_log_of_zero_in_a_discarded_branch_get_the_underflow_hint():
    def discarded_log_zero(h):
        h = np.asarray(h, dtype=float)
        return np.where(h >= 0, np.log(good_sigmoid(h)), h - np.log1p(np.exp(-np.abs(h))))
    result = ch02.check_log_sigmoid(discarded_log_zero)
    assert result.status == FAILED and "divide by zero" in repr(result) and result.hints == ["log_of_underflow"]


# --- exercise 3: bias_gradient_steps, the derivation checked step by step --------------------------------

def _steps_from(x, y, w, b, step1=None, step2=None, step3=None, step4=None):
    p = good_sigmoid(x @ w + b)
    s1 = (p - y) / (p * (1 - p)) if step1 is None else step1(p, y)
    s2 = p * (1 - p) if step2 is None else step2(p, x @ w + b)
    s3 = s1 * s2 if step3 is None else step3(s1, s2, p, y)
    s4 = float(np.mean(s3)) if step4 is None else step4(s1, s3)
    return s1, s2, s3, s4


def steps_reversed_first(x, y, w, b):
    return _steps_from(x, y, w, b, step1=lambda p, y: y / p - (1 - y) / (1 - p))


def steps_missing_inner_derivative(x, y, w, b):
    return _steps_from(x, y, w, b, step1=lambda p, y: -y / p - (1 - y) / (1 - p))


def steps_averaged_too_early(x, y, w, b):
    return _steps_from(x, y, w, b, step1=lambda p, y: (p - y) / (p * (1 - p)) / len(y),
                       step3=lambda s1, s2, p, y: p - y)


def steps_h_not_sigma(x, y, w, b):
    return _steps_from(x, y, w, b, step2=lambda p, h: h * (1 - h))


def steps_not_multiplied(x, y, w, b):
    return _steps_from(x, y, w, b, step3=lambda s1, s2, p, y: s1)


def steps_eps_reversed(x, y, w, b):
    return _steps_from(x, y, w, b, step3=lambda s1, s2, p, y: y - p)


def steps_db_summed(x, y, w, b):
    return _steps_from(x, y, w, b, step4=lambda s1, s3: float(np.sum(s3)))


def steps_db_from_first_step(x, y, w, b):
    return _steps_from(x, y, w, b, step4=lambda s1, s3: float(np.mean(s1)))


def steps_db_as_array(x, y, w, b):
    return _steps_from(x, y, w, b, step4=lambda s1, s3: s3 / len(s3))


def steps_three_only(x, y, w, b):
    return _steps_from(x, y, w, b)[:3]


@pytest.mark.parametrize("wrong, hint, words", [
    (steps_reversed_first, "reversed_sign", "Step 1, dE_dyhat"),
    (steps_missing_inner_derivative, "inner_derivative_missing", "Step 1, dE_dyhat"),
    (steps_averaged_too_early, "averaged_too_early", "Step 1, dE_dyhat"),
    (steps_h_not_sigma, "h_not_sigma", "step 2, dyhat_dh"),
    (steps_not_multiplied, "not_multiplied", "step 3, eps"),
    (steps_eps_reversed, "reversed_sign", "step 3, eps"),
    (steps_db_summed, "sum_not_mean", "step 4, db"),
    (steps_db_from_first_step, "chain_stopped_at_yhat", "step 4, db"),
    (steps_db_as_array, None, "Expected db a single number"),
    (steps_three_only, None, "Expected a tuple of the four steps"),
])
def test_bias_gradient_steps_mistakes_name_the_first_wrong_step(wrong, hint, words):
    result = ch02.check_bias_gradient_steps(wrong)
    assert result.status == FAILED, result
    assert words in repr(result), result
    assert result.hints == ([hint] if hint else []), result


def test_bias_gradient_steps_written_with_the_simplified_error_pass():
    """Step 3 written as y_hat - y (the simplified chain rule) and step 1 as one fraction are right too."""
    def simplified(x, y, w, b):
        p = good_sigmoid(x @ w + b)
        return (p - y) / (p * (1 - p)), p * (1 - p), p - y, float(np.mean(p - y))
    assert ch02.check_bias_gradient_steps(simplified).status == PASSED


# --- exercise 5: h_change, the derivation (a chapter 01 rule, derived in chapter 02) of what an update does to h ----------------------------------

def h_change_norm(x, y, y_hat, eta):
    return eta * (y - y_hat) * float(np.linalg.norm(x)), eta * (y - y_hat)


def h_change_sum(x, y, y_hat, eta):
    return eta * (y - y_hat) * float(np.sum(x)), eta * (y - y_hat)


def h_change_no_bias(x, y, y_hat, eta):
    return eta * (y - y_hat) * float(x @ x), 0.0


def h_change_reversed(x, y, y_hat, eta):
    return -eta * (y - y_hat) * float(x @ x), -eta * (y - y_hat)


def h_change_bias_reversed(x, y, y_hat, eta):
    return eta * (y - y_hat) * float(x @ x), -eta * (y - y_hat)


def h_change_total_only(x, y, y_hat, eta):
    return eta * (y - y_hat) * (float(x @ x) + 1)


def h_change_array(x, y, y_hat, eta):
    return np.array([eta * (y - y_hat) * float(x @ x), eta * (y - y_hat)])


@pytest.mark.parametrize("wrong, hint, words", [
    (h_change_norm, "norm_not_squared", "(w' - w)·x, is wrong"),
    (h_change_sum, "inputs_not_squared", "each input appears twice"),
    (h_change_no_bias, "bias_part_missing", "weights' part is right"),
    (h_change_reversed, "reversed_sign", "must raise h"),
    (h_change_bias_reversed, "reversed_sign", "the bias grows"),
    (h_change_total_only, None, "Expected a tuple (from_weights, from_bias)"),
    (h_change_array, None, "Expected a tuple (from_weights, from_bias)"),
])
def test_h_change_mistakes_name_the_wrong_step(wrong, hint, words):
    result = ch02.check_h_change(wrong)
    assert result.status == FAILED, result
    assert words in repr(result), result
    assert result.hints == ([hint] if hint else []), result


def test_h_change_written_as_an_actual_update_passes():
    """Computing h' - h from an update with made-up weights is another correct derivation: it passes."""
    def by_update(x, y, y_hat, eta):
        w, b = np.zeros_like(x), 0.0
        w_new, b_new = w + eta * (y - y_hat) * x, b + eta * (y - y_hat)
        return float((w_new - w) @ x), float(b_new - b)
    assert ch02.check_h_change(by_update).status == PASSED

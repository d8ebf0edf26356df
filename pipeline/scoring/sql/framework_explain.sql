-- Each school's measures as the warehouse keeps them (rating_measures): the scored rows with the
-- framework's words for the measure and its domain. Inputs: measure_scores, framework_words.
SELECT s.*, w.label, w.domain_label
FROM measure_scores s JOIN framework_words w USING (model, measure)

-- The measure `m`, section `s`, agency `a` and province `p` of a task `t`.
JOIN measures m ON m.id = t.measure_id
JOIN sections s ON s.id = m.section_id
JOIN agencies a ON a.code = t.agency_code
JOIN provinces p ON p.code = t.province_code

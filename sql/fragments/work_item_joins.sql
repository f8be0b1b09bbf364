-- The task `t` of a work item `w`, its measure `m`, the agency `ra` or the
-- provincial office's province `rp` that carries the item (the other is
-- NULL), the node `rn` it went to (NULL: none), and the user `cu` who split it off.
JOIN tasks t ON t.id = w.task_id
JOIN measures m ON m.id = t.measure_id
LEFT JOIN agencies ra ON ra.code = w.agency_code
LEFT JOIN provinces rp ON rp.code = w.province_code
LEFT JOIN org_nodes rn ON rn.id = w.org_node_id
LEFT JOIN users cu ON cu.id = w.created_by
